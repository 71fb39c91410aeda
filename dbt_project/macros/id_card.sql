{#- GB 11643 resident ID numbers: 17 digits and a check character, weights 7 9 10 5 8 4 2 1 6 3
    7 9 10 5 8 4 2, sum mod 11 indexes "10X98765432". Pure SQL so it runs set-based. -#}
{% macro id_check_char(id17) -%}
    substr('10X98765432', (
        {%- for weight in [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] %}
        {{ weight }} * cast(substr({{ id17 }}, {{ loop.index }}, 1) as integer){% if not loop.last %} +{% endif %}
        {%- endfor %}
    ) % 11 + 1, 1)
{%- endmacro %}

{% macro is_valid_id_no(expression) -%}
    coalesce({{ expression }} ~ '^[0-9]{17}[0-9X]$'
             and {{ id_check_char(expression) }} = right({{ expression }}, 1), false)
{%- endmacro %}

{#- Parse yyyymmdd text to a date, or null when it is not a plausible date. -#}
{% macro parse_yyyymmdd(expression) -%}
    case when {{ expression }} ~ '^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$'
         then to_date({{ expression }}, 'YYYYMMDD') end
{%- endmacro %}

{% macro parse_yyyymmddhhmiss(expression) -%}
    case when {{ expression }} ~ '^(19|20)[0-9]{6}([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$'
         then to_timestamp({{ expression }}, 'YYYYMMDDHH24MISS')::timestamp end
{%- endmacro %}
