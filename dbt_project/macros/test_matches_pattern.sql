{#- Generic test: every non-null value matches a POSIX regex. Rows returned are violations. -#}
{% test matches_pattern(model, column_name, pattern) %}
select {{ column_name }} as violating_value
from {{ model }}
where {{ column_name }} is not null
  and not ({{ column_name }} ~ '{{ pattern }}')
{% endtest %}
