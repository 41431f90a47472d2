{#-
    A predicted segment for every profiled customer whose segment is null and who has
    purchases (the production scenario of int_segment_model_scores). Kept apart from
    dim_customers, which holds the segment as given. predicted_at is the time of the data's
    last order, not the wall clock: the same data gives the same rows.
-#}

with scores as (
    select * from {{ ref('int_segment_model_scores') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

production_scores as (
    select * from scores
    where scenario = 'production'
),

data_as_of as (
    select max(transaction_time) as last_order_time
    from orders
),

final as (
    select
        {{ gold_cast('production_scores.customer_id', 'string') }} as customer_id,
        {{ gold_cast('production_scores.predicted_segment', 'string') }} as predicted_segment,
        {{ gold_cast('production_scores.confidence', 'double') }} as confidence,
        {{ gold_cast("'" ~ segment_model_version() ~ "'", 'string') }} as model_version,
        {{ gold_cast('data_as_of.last_order_time', 'timestamp') }} as predicted_at
    from production_scores
    cross join data_as_of
)

select * from final
