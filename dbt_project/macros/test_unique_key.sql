{#- Generic model test: no two rows share the values of `columns` (a composite primary key),
    and none of them is null. Rows returned are violations: the key and how often it occurs. -#}
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1 or {{ columns | join(' is null or ') }} is null
{% endtest %}
