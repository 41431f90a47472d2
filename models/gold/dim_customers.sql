with customers as (
    select * from {{ ref('slv_customers') }}
),

final as (
    select
        {{ gold_cast('customer_id', 'string') }} as customer_id,
        {{ gold_cast('first_name', 'string') }} as first_name,
        {{ gold_cast('last_name', 'string') }} as last_name,
        {{ gold_cast('email', 'string') }} as email,
        {{ gold_cast('phone_number', 'string') }} as phone_number,
        {{ gold_cast('date_of_birth', 'date') }} as date_of_birth,
        {{ gold_cast('address', 'string') }} as address,
        {{ gold_cast('postcode', 'string') }} as postcode,
        {{ gold_cast('city', 'string') }} as city,
        {{ gold_cast('country', 'string') }} as country,
        {{ gold_cast('segment', 'string') }} as segment,
        {{ gold_cast('last_change', 'date') }} as last_change,
        {{ gold_cast('is_erased', 'boolean') }} as is_erased
    from customers
)

select * from final
