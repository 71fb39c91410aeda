{#- The day's loan applications, keyed by the ID number and mobile the applicant typed:
    normalised (15 -> 18 digits, check digit; +86, spaces, dashes) and tokenised to link on. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='business_date',
    on_schema_change='append_new_columns'
) }}

with

source as (

    select * from {{ source('loan', 'applications') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        application_id,
        {{ tokenize('ops.id_no_18(id_no)') }} as id_token,
        {{ tokenize(normalize_mobile('mobile')) }} as mobile_token,
        {{ mask_name('applicant_name') }} as applicant_name_masked,
        {{ parse_yyyymmddhhmiss('applied_at') }} as applied_at,
        channel,
        product_code,
        result,
        business_date
    from source

)

select * from final
