{#- The business date of this run as a SQL date literal. Every date-dependent model uses it;
    nothing reads the wall clock. -#}
{% macro business_date() -%}
    {%- set value = var('business_date') -%}
    {%- if value is none -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error("business_date is not set: run with --vars '{business_date: YYYY-MM-DD}'") }}
        {%- endif -%}
        {%- set value = '1970-01-01' -%}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{#- The latest snapshot of a snapshot-loaded raw table at or before the business date, so a
    late optional file falls back to the previous day's instead of emptying the layer. -#}
{% macro latest_snapshot_date(relation) -%}
    (select max(business_date) from {{ relation }} where business_date <= {{ business_date() }})
{%- endmacro %}
