{#-
    RFM per customer with orders (customers of dim_customers; for erasure subjects only
    non-personal facts are used, as everywhere in gold). Recency is counted back from the data's last order date (the
    latest order_date in fct_orders), never from today, so the same data gives the same scores.
    Scores 1-5 are quintiles by cumulative distribution (ceil(5 * rank / n), rank counting ties
    together, so equal values get equal scores); 5 is best (most recent, most frequent, most
    spent). Segment labels, first rule that matches:
      champions    R >= 4, F >= 4, M >= 4
      loyal        R >= 3, F >= 4
      new          R >= 4, F <= 2
      at_risk      R <= 2, F >= 3
      hibernating  R <= 2
      potential    everyone else
-#}

with customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

data_as_of as (
    select max(order_date) as as_of_date
    from orders
),

customer_orders as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as frequency,
        sum(order_total) as monetary
    from orders
    group by customer_id
),

profiled as (
    select
        customer_orders.*,
        data_as_of.as_of_date,
        {{ gold_days_between('customer_orders.last_order_date', 'data_as_of.as_of_date') }}
            as recency_days
    from customer_orders
    inner join customers
        on customer_orders.customer_id = customers.customer_id
    cross join data_as_of
),

ranked as (
    select
        *,
        count(*) over () as customers,
        count(*) over (order by recency_days desc) as recency_rank,
        count(*) over (order by frequency asc) as frequency_rank,
        count(*) over (order by monetary asc) as monetary_rank
    from profiled
),

scored as (
    select
        *,
        ceil(5.0 * recency_rank / customers) as recency_score,
        ceil(5.0 * frequency_rank / customers) as frequency_score,
        ceil(5.0 * monetary_rank / customers) as monetary_score
    from ranked
),

labelled as (
    select
        *,
        case
            when recency_score >= 4 and frequency_score >= 4 and monetary_score >= 4
                then 'champions'
            when recency_score >= 3 and frequency_score >= 4 then 'loyal'
            when recency_score >= 4 and frequency_score <= 2 then 'new'
            when recency_score <= 2 and frequency_score >= 3 then 'at_risk'
            when recency_score <= 2 then 'hibernating'
            else 'potential'
        end as rfm_segment
    from scored
),

final as (
    select
        {{ gold_cast('customer_id', 'string') }} as customer_id,
        {{ gold_cast('first_order_date', 'date') }} as first_order_date,
        {{ gold_cast('last_order_date', 'date') }} as last_order_date,
        {{ gold_cast('as_of_date', 'date') }} as as_of_date,
        {{ gold_cast('recency_days', 'bigint') }} as recency_days,
        {{ gold_cast('frequency', 'bigint') }} as frequency,
        {{ gold_cast('monetary', 'money') }} as monetary,
        {{ gold_cast('monetary / frequency', 'money') }} as average_order_value,
        {{ gold_cast('recency_score', 'bigint') }} as recency_score,
        {{ gold_cast('frequency_score', 'bigint') }} as frequency_score,
        {{ gold_cast('monetary_score', 'bigint') }} as monetary_score,
        {{ gold_cast('rfm_segment', 'string') }} as rfm_segment
    from labelled
)

select * from final
