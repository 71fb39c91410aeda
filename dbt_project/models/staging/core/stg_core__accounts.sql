with

source as (

    select * from {{ source('core', 'accounts') }}
    where business_date = {{ latest_snapshot_date(source('core', 'accounts')) }}

),

final as (

    select
        account_no,
        customer_no,
        product_type,
        product_type in ('DD', 'TD') as is_deposit,
        product_type = 'LN' as is_loan,
        product_code,
        branch_code,
        {{ parse_yyyymmdd('open_date') }} as open_date,
        case when balance ~ '^-?[0-9]+(\.[0-9]+)?$' then cast(balance as numeric(18, 2)) end as balance,
        status = 'A' as is_active,
        business_date as snapshot_date
    from source

)

select * from final
