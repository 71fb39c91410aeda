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

final as (

    select
        identity.customer_id,
        identity.customer_no,
        customers.customer_name_masked,
        customers.mobile_masked,
        customers.id_token,
        customers.mobile_token,
        customers.gender,
        profile.age_years,
        customers.branch_code,
        customers.open_date,
        customers.is_active,
        {{ business_date() }} as business_date
    from identity
    inner join customers on customers.customer_no = identity.customer_no
    inner join profile on profile.customer_id = identity.customer_id

)

select * from final
