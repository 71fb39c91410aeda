{#- Walking-skeleton identity: one customer per core customer number. The customer_id is a
    stable function of the source key, so rebuilds give the same ids; the identity issue
    replaces this with the identifier graph and a registry that survives merges and splits. -#}
with

core_customers as (

    select * from {{ ref('stg_core__customers') }}

),

final as (

    select
        'CU' || upper(substr(md5('core:' || customer_no), 1, 14)) as customer_id,
        customer_no,
        'core' as source_system
    from core_customers

)

select * from final
