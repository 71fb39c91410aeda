{#- Cards as of the business date; the card number is tokenised (it is PII) and Luhn-checked:
    a card number failing the check is kept but not used to link. -#}
with

source as (

    select * from {{ source('card', 'cards') }}
    where business_date = {{ latest_snapshot_date(source('card', 'cards')) }}

),

final as (

    select
        {{ tokenize('card_no') }} as card_token,
        ops.is_luhn(card_no) as is_card_valid,
        customer_no,
        card_type,
        product_code,
        status = 'A' as is_active,
        business_date as snapshot_date
    from source

)

select * from final
