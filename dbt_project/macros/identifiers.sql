{#- App and device identifiers as systems hand them over, made comparable before they link
    anything: trimmed, one letter case, and the placeholders SDKs and forms write when they
    know nothing ('', 'null', 'undefined', 'unknown', all zeros such as an IDFA of a phone that
    refuses tracking) turned into null, so a placeholder never joins two people. -#}

{% macro _unless_placeholder(expression, value) -%}
    case when {{ expression }} is null or {{ expression }} = ''
              or lower({{ expression }}) in ('null', 'none', 'nil', 'undefined', 'unknown', 'n/a', '-')
              or {{ expression }} ~ '^[0:\s-]+$'
         then null else {{ value }} end
{%- endmacro %}

{#- E-banking user ids and tracking login ids (the same id): trimmed, upper case. -#}
{% macro normalize_app_id(expression) -%}
    {{ _unless_placeholder('btrim(' ~ expression ~ ')', 'upper(btrim(' ~ expression ~ '))') }}
{%- endmacro %}

{#- Device ids: trimmed, lower case, separators (':', '-', spaces) dropped, so "AA:BB:CC..." and
    "aabbcc..." are one device. -#}
{% macro normalize_device_id(expression) -%}
    {{ _unless_placeholder('btrim(' ~ expression ~ ')',
                           "lower(regexp_replace(" ~ expression ~ ", '[:\\s-]', '', 'g'))") }}
{%- endmacro %}

{#- Tracking anonymous ids: trimmed, placeholders dropped; case kept (SDK cookies are
    case-sensitive). -#}
{% macro normalize_anonymous_id(expression) -%}
    {{ _unless_placeholder('btrim(' ~ expression ~ ')', 'btrim(' ~ expression ~ ')') }}
{%- endmacro %}
