{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

source as (

    select * from {{ source('gateway', 'app_log') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        cast(ts as timestamptz) as logged_at,
        level,
        event,
        user_id,
        device_id,
        feature,
        ip as client_ip,
        case when latency_ms ~ '^[0-9]+$' then cast(latency_ms as integer) end as latency_ms,
        business_date,
        source_file,
        line_number
    from source

)

select * from final
