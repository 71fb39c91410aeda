with

profile as (

    select * from {{ ref('int_features__customer_profile') }}

),

final as (

    select
        customer_id,
        'TXN_COUNT_30D' as tag_code,
        cast(txn_count_30d as {{ dbt.type_string() }}) as tag_value
    from profile

)

select * from final
