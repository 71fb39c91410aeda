{#- Lead list per campaign and channel, one business date per run (replaced on re-run, kept
    across dates so publishing and effect analysis can look back).

    MB_PROSPECT (手机银行拓客): active customers of working age who hold a deposit, transact,
    and have not signed up for mobile banking — the brief's mobile-banking prospects. The score
    orders customer managers' call lists: more recent activity and larger deposits first. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

tags as (

    select * from {{ ref('fct_customer_tag') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

profile as (

    select * from {{ ref('int_features__customer_profile') }}

),

campaigns as (

    select * from {{ ref('campaign_catalogue') }}
    where status = 'active'

),

customer_tags as (

    select
        customer_id,
        max(case when tag_code = 'AGE_BAND' then tag_value end) as age_band,
        max(case when tag_code = 'HAS_DEPOSIT' then tag_value end) = 'true' as has_deposit,
        max(case when tag_code = 'MOBILE_BANKING_USER' then tag_value end) = 'true' as is_mobile_banking_user,
        cast(max(case when tag_code = 'TXN_COUNT_30D' then tag_value end) as integer) as txn_count_30d
    from tags
    group by customer_id

),

mobile_banking_prospects as (

    select
        'MB_PROSPECT' as campaign_code,
        customer_tags.customer_id,
        least(99, customer_tags.txn_count_30d * 5
                  + cast(least(profile.deposit_balance, 200000) / 5000 as integer)) as lead_score,
        '活跃存款客户，未开通手机银行' as reason_zh
    from customer_tags
    inner join profile on profile.customer_id = customer_tags.customer_id
    where customer_tags.age_band in ('18-25', '26-35', '36-45', '46-55', '56-65')
      and customer_tags.has_deposit
      and not customer_tags.is_mobile_banking_user
      and customer_tags.txn_count_30d >= 1
      and profile.is_active

),

final as (

    select
        {{ business_date() }} as business_date,
        'L' || to_char({{ business_date() }}, 'YYYYMMDD') || '-' || upper(substr(md5(
            prospects.campaign_code || ':' || prospects.customer_id), 1, 12)) as lead_id,
        prospects.campaign_code,
        campaigns.channel,
        prospects.customer_id,
        customers.customer_no,
        customers.customer_name_masked,
        customers.mobile_masked,
        customers.branch_code,
        prospects.lead_score,
        prospects.reason_zh
    from mobile_banking_prospects as prospects
    inner join campaigns on campaigns.campaign_code = prospects.campaign_code
    inner join customers on customers.customer_id = prospects.customer_id

)

select * from final
