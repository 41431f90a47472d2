{#-
    The segment model, nearest centroid (macros/gold/segment_model.sql), run in two scenarios:
      production  centroids from every customer whose segment is known; scores the customers
                  whose segment is null (customer_segment_predictions)
      holdout     centroids from the known customers outside the holdout; scores the holdout
                  customers, whose segment is known (customer_segment_prediction_accuracy)
    A centroid is the mean spend share per category of a segment's customers; the distance is
    Euclidean over the categories. confidence is the inverse-distance weight of the nearest
    centroid over the sum of the weights of all centroids, in [0, 1] (1 when the customer sits
    on the centroid, 1 / k for a k-way tie at distance 0). Ties go to the first segment by name.
    Sums are over decimals: exact whatever the order the engine adds rows in.
-#}

with features as (
    select * from {{ ref('int_customer_category_shares') }}
),

training_sets as (
    select
        'production' as scenario,
        segment,
        category,
        spend_share
    from features
    where segment is not null
    union all
    select
        'holdout' as scenario,
        segment,
        category,
        spend_share
    from features
    where segment is not null and not is_holdout
),

scored_sets as (
    select
        'production' as scenario,
        customer_id,
        segment as actual_segment,
        category,
        spend_share
    from features
    where segment is null
    union all
    select
        'holdout' as scenario,
        customer_id,
        segment as actual_segment,
        category,
        spend_share
    from features
    where is_holdout
),

centroids as (
    select
        scenario,
        segment,
        category,
        cast(sum(spend_share) / count(*) as decimal(18, 9)) as centroid_share
    from training_sets
    group by scenario, segment, category
),

distances as (
    select
        scored_sets.scenario,
        scored_sets.customer_id,
        scored_sets.actual_segment,
        centroids.segment,
        sum(
            (scored_sets.spend_share - centroids.centroid_share)
            * (scored_sets.spend_share - centroids.centroid_share)
        ) as squared_distance
    from scored_sets
    inner join centroids
        on
            scored_sets.scenario = centroids.scenario
            and scored_sets.category = centroids.category
    group by
        scored_sets.scenario,
        scored_sets.customer_id,
        scored_sets.actual_segment,
        centroids.segment
),

ranked as (
    select
        scenario,
        customer_id,
        actual_segment,
        segment,
        squared_distance,
        case
            when squared_distance > 0
                then cast(1 / sqrt(cast(squared_distance as double)) as decimal(38, 9))
        end as inverse_distance,
        row_number() over (
            partition by scenario, customer_id order by squared_distance asc, segment asc
        ) as distance_rank
    from distances
),

final as (
    select
        scenario,
        customer_id,
        actual_segment,
        max(case when distance_rank = 1 then segment end) as predicted_segment,
        case
            when min(squared_distance) = 0
                then 1.0 / sum(case when squared_distance = 0 then 1 else 0 end)
            else round(
                cast(max(case when distance_rank = 1 then inverse_distance end) as double)
                / cast(sum(inverse_distance) as double),
                6
            )
        end as confidence
    from ranked
    group by scenario, customer_id, actual_segment
)

select * from final
