{#- Generic test: the sum of `column_name` over the model equals the sum of `field` over `to`
    (gold reconciles money: order lines, orders and daily sales add up to the same total).
    Fails with one row holding both sums when they differ. -#}
{% test equal_sum(model, column_name, to, field) %}

with model_total as (
    select sum({{ column_name }}) as total from {{ model }}
),

other_total as (
    select sum({{ field }}) as total from {{ to }}
),

final as (
    select
        model_total.total as model_total,
        other_total.total as other_total
    from model_total
    cross join other_total
    where
        model_total.total <> other_total.total
        or (model_total.total is null) <> (other_total.total is null)
)

select * from final

{% endtest %}
