{#- Depends on every tag_* model through union_tag_models; the explicit refs below only tell
    dbt the build order when it parses without executing. -#}
-- depends_on: {{ ref('tag_age_band') }}
-- depends_on: {{ ref('tag_has_deposit') }}
-- depends_on: {{ ref('tag_txn_count_30d') }}
-- depends_on: {{ ref('tag_mobile_banking_user') }}
-- depends_on: {{ ref('tag_catalogue') }}

with

tag_values as (

    {{ union_tag_models() }}

),

final as (

    select
        customer_id || ':' || tag_code as customer_tag_key,
        customer_id,
        tag_code,
        tag_value,
        {{ business_date() }} as business_date
    from tag_values

)

select * from final
