{#- The identifier graph (身份图谱): one row per pair of identifiers seen together in a source
    record, with the rule that pairs them and when the pair was first and last seen.

    Node keys are "<type>:<value>"; PII (ID numbers, mobiles, cards) appears only as tokens.
    A record with its own id (customer number, e-bank user, application, holding) also has a
    self edge, so it is a node even when it shares nothing. Which rules link, their limits and
    the blocklist are declared in plugins/ruralops/identity/rules.yml and applied by the
    resolver; this model only records what the sources say.

    History is carried across nights: each run re-states the pairs of its date, keeps first_seen
    from earlier runs, and keeps the pairs its date does not state as they were; previous_seen
    is the date the pair was seen before this one, so the resolver can tell a pair re-stated
    since yesterday from one that comes back after a gap (and re-resolve only what changed).
    Most pairs come from full snapshots and change last_seen every night, so the table is
    rebuilt whole (today's pairs full-outer-joined to the previous table, then swapped in)
    rather than delete+insert of nearly every row: half the time, and no dead rows left
    behind. --full-refresh forgets the history: the graph of the date alone. -#}
{%- set previous = none -%}
{%- if execute and not flags.FULL_REFRESH -%}
    {%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
{%- endif %}

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

{%- if previous is not none %}

earlier as (select * from {{ previous }}),

final as (

    select
        coalesce(today.left_key, earlier.left_key) as left_key,
        split_part(coalesce(today.left_key, earlier.left_key), ':', 1) as left_type,
        coalesce(today.right_key, earlier.right_key) as right_key,
        split_part(coalesce(today.right_key, earlier.right_key), ':', 1) as right_type,
        coalesce(today.rule, earlier.rule) as rule,
        coalesce(today.source, earlier.source) as source,
        case when today.rule is null then earlier.first_seen
            else least(coalesce(earlier.first_seen, {{ business_date() }}), {{ business_date() }}) end as first_seen,
        case when today.rule is null then earlier.last_seen
            else greatest(coalesce(earlier.last_seen, {{ business_date() }}), {{ business_date() }}) end as last_seen,
        case when today.rule is null or earlier.last_seen >= {{ business_date() }} then earlier.previous_seen
            else earlier.last_seen end as previous_seen
    from today
    full outer join earlier
        on earlier.left_key = today.left_key and earlier.right_key = today.right_key and earlier.rule = today.rule

)
{%- else %}

final as (

    select
        left_key,
        split_part(left_key, ':', 1) as left_type,
        right_key,
        split_part(right_key, ':', 1) as right_type,
        rule,
        source,
        {{ business_date() }} as first_seen,
        {{ business_date() }} as last_seen,
        cast(null as date) as previous_seen
    from today

)
{%- endif %}

select * from final
