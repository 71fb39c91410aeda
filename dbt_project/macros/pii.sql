{#- PII handling. Clear ID numbers, mobiles and names stay in raw (and later vault); every
    layer from staging on carries a keyed-HMAC token (to join on) or a masked value (to show).
    The key is read from vault.pii_key inside the database, so it never appears in compiled SQL. -#}

{% macro tokenize(expression) -%}
    {{ return(adapter.dispatch('tokenize', 'ruralops')(expression)) }}
{%- endmacro %}

{% macro postgres__tokenize(expression) -%}
    case when {{ expression }} is null then null else
        encode(hmac(convert_to({{ expression }}, 'UTF8'),
                    (select secret from vault.pii_key where key_id = 'current'), 'sha256'), 'hex')
    end
{%- endmacro %}

{% macro mask_mobile(expression) -%}
    case when {{ expression }} ~ '^1[3-9][0-9]{9}$'
         then left({{ expression }}, 3) || '****' || right({{ expression }}, 4) end
{%- endmacro %}

{% macro mask_name(expression) -%}
    case when {{ expression }} is null then null
         else left({{ expression }}, 1) || repeat('*', greatest(char_length({{ expression }}) - 1, 1)) end
{%- endmacro %}

{#- Mobile as typed by staff: keep digits only, drop a leading 86 country code. -#}
{% macro normalize_mobile(expression) -%}
    nullif(regexp_replace(regexp_replace({{ expression }}, '[^0-9]', '', 'g'), '^86(1[0-9]{10})$', '\1'), '')
{%- endmacro %}
