with

profile as (

    select * from {{ ref('int_features__customer_profile') }}

),

final as (

    select
        customer_id,
        'MOBILE_BANKING_USER' as tag_code,
        case when is_mobile_banking_user then 'true' else 'false' end as tag_value
    from profile

)

select * from final
