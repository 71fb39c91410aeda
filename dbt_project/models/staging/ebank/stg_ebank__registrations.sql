with

source as (

    select * from {{ source('ebank', 'registrations') }}
    where business_date = {{ latest_snapshot_date(source('ebank', 'registrations')) }}

),

final as (

    select
        {{ normalize_app_id('user_id') }} as user_id,
        customer_no,
        channel,
        {{ tokenize(normalize_mobile('mobile')) }} as mobile_token,
        {{ mask_mobile(normalize_mobile('mobile')) }} as mobile_masked,
        {{ normalize_device_id('device_id') }} as device_id,
        {{ parse_yyyymmddhhmiss('registered_at') }} as registered_at,
        status = 'A' as is_active,
        business_date as snapshot_date
    from source

)

select * from final
