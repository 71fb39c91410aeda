with

source as (

    select * from {{ source('core', 'customers') }}
    where business_date = {{ latest_snapshot_date(source('core', 'customers')) }}

),

normalised as (

    select
        customer_no,
        customer_name,
        id_type,
        upper(trim(id_no)) as id_no,
        ops.id_no_18(id_no) as id_no_18,
        gender,
        birth_date,
        {{ normalize_mobile('mobile') }} as mobile,
        branch_code,
        open_date,
        customer_type,
        status,
        business_date as snapshot_date
    from source

),

final as (

    select
        customer_no,
        {{ mask_name('customer_name') }} as customer_name_masked,
        id_type,
        {{ tokenize('id_no_18') }} as id_token,
        id_no_18 is not null as is_id_valid,
        length(id_no) = 15 as is_legacy_id,
        case gender when '1' then 'M' when '2' then 'F' end as gender,
        {{ parse_yyyymmdd('birth_date') }} as birth_date,
        {{ tokenize('mobile') }} as mobile_token,
        {{ mask_mobile('mobile') }} as mobile_masked,
        mobile ~ '^1[3-9][0-9]{9}$' as is_mobile_valid,
        branch_code,
        {{ parse_yyyymmdd('open_date') }} as open_date,
        customer_type = '2' as is_business_owner,
        status = 'A' as is_active,
        snapshot_date
    from normalised

)

select * from final
