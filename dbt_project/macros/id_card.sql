{#- GB 11643 resident ID numbers: the check lives in the warehouse as ops.is_valid_id_no
    (created by ruralops.db.schema), shared with the raw quality gate. -#}
{% macro is_valid_id_no(expression) -%}
    ops.is_valid_id_no({{ expression }})
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
