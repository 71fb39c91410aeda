{#- Incremental by business date: each run replaces exactly its own date's rows, so re-running
    a date never duplicates and history is not recomputed every night. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

source as (

    select * from {{ source('core', 'transactions') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        txn_id,
        account_no,
        customer_no,
        {{ parse_yyyymmddhhmiss('txn_time') }} as txn_at,
        channel,
        dc_flag = 'D' as is_debit,
        case when amount ~ '^-?[0-9]+(\.[0-9]+)?$' then cast(amount as numeric(18, 2)) end as amount,
        memo,
        nullif(mcc, '') as mcc,
        counterparty_type,
        business_date
    from source

)

select * from final
