with

profile as (

    select * from {{ ref('int_features__customer_profile') }}

),

final as (

    select
        customer_id,
        'HAS_DEPOSIT' as tag_code,
        case when has_deposit then 'true' else 'false' end as tag_value
    from profile

)

select * from final
