{#- The identifier graph (身份图谱): one row per pair of identifiers seen together in a source
    record, with the rule that pairs them and when the pair was first and last seen.

    Node keys are "<type>:<value>"; PII (ID numbers, mobiles, cards) appears only as tokens.
    A record with its own id (customer number, e-bank user, application, holding) also has a
    self edge, so it is a node even when it shares nothing. Which rules link, their limits and
    the blocklist are declared in plugins/ruralops/identity/rules.yml and applied by the
    resolver; this model only records what the sources say. Incremental: each run re-states the
    pairs of its date and keeps first_seen from earlier runs; previous_seen is the date the pair
    was seen before this one, so the resolver can tell a pair re-stated since yesterday from one
    that comes back after a gap (and re-resolve only what changed). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['left_key', 'right_key', 'rule'],
    on_schema_change='append_new_columns'
) }}

with

customers as (select * from {{ ref('stg_core__customers') }}),
registrations as (select * from {{ ref('stg_ebank__registrations') }}),
cards as (select * from {{ ref('stg_card__cards') }}),
applications as (select * from {{ ref('stg_loan__applications') }} where business_date = {{ business_date() }}),
holdings as (select * from {{ ref('stg_wealth__holdings') }}),
contacts as (select * from {{ ref('stg_crm__contacts') }} where business_date = {{ business_date() }}),
signups as (
    select * from {{ ref('stg_track__events') }}
    where business_date = {{ business_date() }} and is_signup
),

pairs as (

    select 'customer_no:' || customer_no as left_key, 'customer_no:' || customer_no as right_key,
           'core_record' as rule, 'core' as source from customers
    union all
    select 'customer_no:' || customer_no, 'id:' || id_token, 'core_id', 'core'
    from customers where id_token is not null
    union all
    select 'customer_no:' || customer_no, 'mobile:' || mobile_token, 'core_mobile', 'core'
    from customers where mobile_token is not null and is_mobile_valid
    union all
    select 'card:' || card_token, 'customer_no:' || customer_no, 'card_owner', 'card'
    from cards where is_card_valid and customer_no is not null
    union all
    select 'ebank_user:' || user_id, 'ebank_user:' || user_id, 'ebank_record', 'ebank' from registrations
    union all
    select 'ebank_user:' || user_id, 'customer_no:' || customer_no, 'ebank_customer', 'ebank'
    from registrations where customer_no is not null
    union all
    select 'ebank_user:' || user_id, 'mobile:' || mobile_token, 'ebank_mobile', 'ebank'
    from registrations where mobile_token is not null
    union all
    select 'ebank_user:' || user_id, 'device:' || device_id, 'ebank_device', 'ebank'
    from registrations where device_id is not null
    union all
    select 'anonymous:' || coalesce(original_id, anonymous_id), 'ebank_user:' || login_id, 'signup', 'track'
    from signups where login_id is not null and coalesce(original_id, anonymous_id) is not null
    union all
    select 'application:' || application_id, 'application:' || application_id, 'loan_record', 'loan'
    from applications
    union all
    select 'application:' || application_id, 'id:' || id_token, 'loan_id', 'loan'
    from applications where id_token is not null
    union all
    select 'application:' || application_id, 'mobile:' || mobile_token, 'loan_mobile', 'loan'
    from applications where mobile_token is not null
    union all
    select 'holding:' || holding_id, 'holding:' || holding_id, 'wealth_record', 'wealth' from holdings
    union all
    select 'holding:' || holding_id, 'id:' || id_token, 'wealth_id', 'wealth'
    from holdings where id_token is not null
    union all
    select 'customer_no:' || customer_no, 'mobile:' || mobile_token, 'crm_mobile', 'crm'
    from contacts where customer_no is not null and mobile_token is not null

),

today as (

    select distinct left_key, right_key, rule, source from pairs

),

final as (

    select
        today.left_key,
        split_part(today.left_key, ':', 1) as left_type,
        today.right_key,
        split_part(today.right_key, ':', 1) as right_type,
        today.rule,
        today.source,
        {% if is_incremental() -%}
        least(coalesce(seen.first_seen, {{ business_date() }}), {{ business_date() }}) as first_seen,
        greatest(coalesce(seen.last_seen, {{ business_date() }}), {{ business_date() }}) as last_seen,
        case when seen.last_seen < {{ business_date() }} then seen.last_seen else seen.previous_seen end
            as previous_seen
        {%- else -%}
        {{ business_date() }} as first_seen,
        {{ business_date() }} as last_seen,
        cast(null as date) as previous_seen
        {%- endif %}
    from today
    {% if is_incremental() -%}
    left join {{ this }} as seen
        on seen.left_key = today.left_key and seen.right_key = today.right_key and seen.rule = today.rule
    {%- endif %}

)

select * from final
