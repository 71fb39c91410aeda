{#- Core customer numbers and the customer_id the resolver gave them: a person holding two
    customer numbers (an older one at another branch) has one customer_id for both. The primary
    record is the one whose attributes the golden record takes: active first, then the most
    recently opened (its name is the current spelling), then the larger customer number. -#}
with

customers as (

    select * from {{ ref('stg_core__customers') }}

),

identifier_map as (

    select * from {{ source('resolved', 'identifier_map') }}
    where node_type = 'customer_no'

),

resolved as (

    select
        identifier_map.customer_id,
        customers.customer_no,
        customers.is_active,
        customers.open_date
    from customers
    inner join identifier_map on identifier_map.node_key = 'customer_no:' || customers.customer_no

),

final as (

    select
        customer_id,
        customer_no,
        'core' as source_system,
        row_number() over (
            partition by customer_id
            order by is_active desc, open_date desc nulls last, customer_no desc
        ) = 1 as is_primary,
        count(*) over (partition by customer_id) as customer_no_count
    from resolved

)

select * from final
