{#- Feature center (特征中心) for the skeleton: one row per customer with the facts the first
    tags are computed from, all as of the business date. -#}
with

customers as (

    select * from {{ ref('stg_core__customers') }}

),

identity as (

    select * from {{ ref('int_identity__customers') }}

),

accounts as (

    select * from {{ ref('stg_core__accounts') }}

),

transactions as (

    select * from {{ ref('stg_core__transactions') }}
    where business_date > {{ business_date() }} - {{ var('activity_window_days') }}
      and business_date <= {{ business_date() }}

),

registrations as (

    select * from {{ ref('stg_ebank__registrations') }}

),

deposits as (

    select
        customer_no,
        sum(balance) as deposit_balance,
        count(*) as deposit_account_count
    from accounts
    where is_deposit and is_active
    group by customer_no

),

activity as (

    select
        customer_no,
        count(*) as txn_count_window,
        sum(amount) as txn_amount_window
    from transactions
    group by customer_no

),

mobile_banking as (

    select distinct customer_no
    from registrations
    where is_active and channel = 'MOBILE'

),

final as (

    select
        identity.customer_id,
        customers.customer_no,
        customers.branch_code,
        customers.is_active,
        case when customers.birth_date is not null
             then extract(year from age({{ business_date() }}, customers.birth_date))::integer
        end as age_years,
        coalesce(deposits.deposit_balance, 0) as deposit_balance,
        coalesce(deposits.deposit_account_count, 0) > 0 and coalesce(deposits.deposit_balance, 0) > 0
            as has_deposit,
        coalesce(activity.txn_count_window, 0) as txn_count_30d,
        coalesce(activity.txn_amount_window, 0) as txn_amount_30d,
        mobile_banking.customer_no is not null as is_mobile_banking_user,
        {{ business_date() }} as business_date
    from customers
    inner join identity on identity.customer_no = customers.customer_no
    left join deposits on deposits.customer_no = customers.customer_no
    left join activity on activity.customer_no = customers.customer_no
    left join mobile_banking on mobile_banking.customer_no = customers.customer_no

)

select * from final
