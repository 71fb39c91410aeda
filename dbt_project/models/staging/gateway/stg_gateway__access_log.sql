{#- Incremental by delivery date, like transactions: a re-run replaces exactly its own date. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

source as (

    select * from {{ source('gateway', 'access_log') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        remote_addr as client_ip,
        to_timestamp(time_local, 'DD/Mon/YYYY:HH24:MI:SS TZHTZM') as requested_at,
        split_part(request, ' ', 1) as http_method,
        split_part(split_part(request, ' ', 2), '?', 1) as path,
        cast(status as integer) as http_status,
        cast(body_bytes_sent as bigint) as response_bytes,
        http_user_agent as user_agent,
        business_date,
        source_file,
        line_number
    from source

)

select * from final
