{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

source as (

    select * from {{ source('crm', 'contacts') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        contact_id,
        customer_no,
        {{ tokenize(normalize_mobile('mobile')) }} as mobile_token,
        manager_id,
        {{ parse_yyyymmddhhmiss('contacted_at') }} as contacted_at,
        channel,
        campaign_code,
        outcome,
        business_date
    from source

)

select * from final
