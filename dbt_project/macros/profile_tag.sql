{#- A tag computed from one row of the customer profile: one row per customer with the tag's
    code and its value as text. Most rule and fact tags are this shape; a tag that needs more
    than the profile writes its own SQL with the same three output columns. -#}
{% macro profile_tag(tag_code, value_expression) %}
with

profile as (

    select * from {{ ref('int_features__customer_profile') }}

),

final as (

    select
        customer_id,
        '{{ tag_code }}' as tag_code,
        cast({{ value_expression }} as {{ dbt.type_string() }}) as tag_value
    from profile

)

select * from final
{% endmacro %}
