{#- Incremental by delivery date. Time zones normalised here: `time` is epoch milliseconds
    (UTC by definition), event_at is a timestamptz and event_date the event's own date in
    Asia/Shanghai, so a late event counts on the day it happened, not the day it arrived. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

source as (

    select * from {{ source('track', 'events') }}
    where business_date = {{ business_date() }}

),

typed as (

    select
        event_id,
        type = 'track_signup' as is_signup,
        event,
        case when time ~ '^[0-9]{10,16}$' then to_timestamp(cast(time as numeric) / 1000) end as event_at,
        distinct_id,
        {{ normalize_anonymous_id('anonymous_id') }} as anonymous_id,
        {{ normalize_app_id('login_id') }} as login_id,
        {{ normalize_anonymous_id('original_id') }} as original_id,
        cast(properties as jsonb) as properties,
        business_date
    from source

),

final as (

    select
        *,
        cast(timezone('Asia/Shanghai', event_at) as date) as event_date,
        cast(timezone('Asia/Shanghai', event_at) as date) < business_date as is_late
    from typed

)

select * from final
