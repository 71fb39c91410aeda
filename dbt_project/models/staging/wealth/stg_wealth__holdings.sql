{#- Wealth holdings as of the business date, keyed by the holder's ID number as the wealth
    platform stores it (normalised and tokenised; no customer number on this platform). -#}
with

source as (

    select * from {{ source('wealth', 'holdings') }}
    where business_date = {{ latest_snapshot_date(source('wealth', 'holdings')) }}

),

final as (

    select
        holding_id,
        {{ tokenize('ops.id_no_18(id_no)') }} as id_token,
        product_code,
        case when amount ~ '^-?[0-9]+(\.[0-9]+)?$' then cast(amount as numeric(18, 2)) end as amount,
        status = 'H' as is_held,
        business_date as snapshot_date
    from source

)

select * from final
