{#- The customer golden record (客户黄金记录): one row per customer_id, each attribute taken
    from the source that is most trusted for it, with that source named beside it.

    - name, gender, birth date, branch, ID token: core banking, primary record;
    - mobile: the most recently registered active e-banking mobile (verified by SMS at
      registration), else the core primary record's;
    - customer since: the earliest open date over all the customer's core records. -#}
with

identity as (

    select * from {{ ref('int_identity__customers') }}

),

customers as (

    select * from {{ ref('stg_core__customers') }}

),

profile as (

    select * from {{ ref('int_features__customer_profile') }}

),

registrations as (

    select * from {{ ref('stg_ebank__registrations') }}

),

primary_records as (

    select identity.customer_id, identity.customer_no_count, customers.*
    from identity
    inner join customers on customers.customer_no = identity.customer_no
    where identity.is_primary

),

first_opened as (

    select identity.customer_id, min(customers.open_date) as customer_since
    from identity
    inner join customers on customers.customer_no = identity.customer_no
    group by identity.customer_id

),

verified_mobiles as (

    select distinct on (identity.customer_id)
        identity.customer_id,
        registrations.mobile_masked,
        registrations.mobile_token
    from registrations
    inner join identity on identity.customer_no = registrations.customer_no
    where registrations.is_active and registrations.mobile_masked is not null
    order by identity.customer_id, registrations.registered_at desc nulls last, registrations.user_id

),

final as (

    select
        primary_records.customer_id,
        primary_records.customer_no,
        primary_records.customer_no_count,
        primary_records.customer_name_masked,
        'core' as name_source,
        coalesce(verified_mobiles.mobile_masked, primary_records.mobile_masked) as mobile_masked,
        coalesce(verified_mobiles.mobile_token, primary_records.mobile_token) as mobile_token,
        case when verified_mobiles.mobile_masked is not null then 'ebank'
             when primary_records.mobile_masked is not null then 'core' end as mobile_source,
        primary_records.id_token,
        primary_records.gender,
        profile.age_years,
        primary_records.branch_code,
        first_opened.customer_since as open_date,
        primary_records.is_active,
        {{ business_date() }} as business_date
    from primary_records
    inner join profile on profile.customer_id = primary_records.customer_id
    inner join first_opened on first_opened.customer_id = primary_records.customer_id
    left join verified_mobiles on verified_mobiles.customer_id = primary_records.customer_id

)

select * from final
