{#- Feature center (特征中心): one row per customer (customer_id) with the facts the tags are
    computed from, as of the business date. A customer holding several core customer numbers
    gets the sums of all of them; attributes come from the primary record. -#}
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
        identity.customer_id,
        sum(accounts.balance) as deposit_balance,
        count(*) as deposit_account_count
    from accounts
    inner join identity on identity.customer_no = accounts.customer_no
    where accounts.is_deposit and accounts.is_active
    group by identity.customer_id

),

activity as (

    select
        identity.customer_id,
        count(*) as txn_count_window,
        sum(transactions.amount) as txn_amount_window
    from transactions
    inner join identity on identity.customer_no = transactions.customer_no
    group by identity.customer_id

),

mobile_banking as (

    select distinct identity.customer_id
    from registrations
    inner join identity on identity.customer_no = registrations.customer_no
    where registrations.is_active and registrations.channel = 'MOBILE'

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
        mobile_banking.customer_id is not null as is_mobile_banking_user,
        identity.customer_no_count,
        {{ business_date() }} as business_date
    from customers
    inner join identity on identity.customer_no = customers.customer_no and identity.is_primary
    left join deposits on deposits.customer_id = identity.customer_id
    left join activity on activity.customer_id = identity.customer_id
    left join mobile_banking on mobile_banking.customer_id = identity.customer_id

)

select * from final
