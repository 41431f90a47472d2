{#-
    How well the segment model predicts segments that are known: the holdout scenario of
    int_segment_model_scores (holdout: the known-segment customers whose md5(customer_id) starts
    with 0-3; centroids from the other known customers only). Baseline: always predicting the
    majority segment of the training customers. One row per segment (support, precision,
    recall) with the overall figures repeated on each row.
-#}

with scores as (
    select * from {{ ref('int_segment_model_scores') }}
),

features as (
    select * from {{ ref('int_customer_category_shares') }}
),

holdout_scores as (
    select * from scores
    where scenario = 'holdout'
),

training_customers as (
    select distinct
        customer_id,
        segment
    from features
    where segment is not null and not is_holdout
),

training_size as (
    select count(*) as training_size
    from training_customers
),

majority_segment as (
    select
        segment,
        count(*) as customers
    from training_customers
    group by segment
    order by customers desc, segment asc
    limit 1
),

scored as (
    select
        holdout_scores.customer_id,
        holdout_scores.actual_segment,
        holdout_scores.predicted_segment,
        majority_segment.segment as baseline_segment
    from holdout_scores
    cross join majority_segment
),

overall as (
    select
        count(*) as holdout_size,
        sum(case when predicted_segment = actual_segment then 1 else 0 end) as correct,
        sum(case when baseline_segment = actual_segment then 1 else 0 end) as baseline_correct
    from scored
),

segments as (
    select segment from training_customers
    union
    select actual_segment as segment from holdout_scores
),

per_segment as (
    select
        segments.segment,
        sum(case when scored.actual_segment = segments.segment then 1 else 0 end)
            as holdout_customers,
        sum(case when scored.predicted_segment = segments.segment then 1 else 0 end)
            as predicted_customers,
        sum(
            case
                when
                    scored.actual_segment = segments.segment
                    and scored.predicted_segment = segments.segment
                    then 1
                else 0
            end
        ) as true_positives
    from segments
    cross join scored
    group by segments.segment
),

ratios as (
    select
        per_segment.segment,
        per_segment.holdout_customers,
        per_segment.predicted_customers,
        per_segment.true_positives,
        overall.holdout_size,
        training_size.training_size,
        majority_segment.segment as baseline_segment,
        round(
            cast(per_segment.true_positives as double)
            / nullif(per_segment.predicted_customers, 0),
            6
        ) as segment_precision,
        round(
            cast(per_segment.true_positives as double) / nullif(per_segment.holdout_customers, 0),
            6
        ) as segment_recall,
        round(cast(overall.correct as double) / nullif(overall.holdout_size, 0), 6) as accuracy,
        round(
            cast(overall.baseline_correct as double) / nullif(overall.holdout_size, 0), 6
        ) as baseline_accuracy
    from per_segment
    cross join overall
    cross join training_size
    cross join majority_segment
),

final as (
    select
        {{ gold_cast('segment', 'string') }} as segment,
        {{ gold_cast("'" ~ segment_model_version() ~ "'", 'string') }} as model_version,
        {{ gold_cast('holdout_customers', 'bigint') }} as holdout_customers,
        {{ gold_cast('predicted_customers', 'bigint') }} as predicted_customers,
        {{ gold_cast('true_positives', 'bigint') }} as true_positives,
        {{ gold_cast('segment_precision', 'double') }} as segment_precision,
        {{ gold_cast('segment_recall', 'double') }} as segment_recall,
        {{ gold_cast('holdout_size', 'bigint') }} as holdout_size,
        {{ gold_cast('training_size', 'bigint') }} as training_size,
        {{ gold_cast('accuracy', 'double') }} as accuracy,
        {{ gold_cast('baseline_segment', 'string') }} as baseline_segment,
        {{ gold_cast('baseline_accuracy', 'double') }} as baseline_accuracy
    from ratios
)

select * from final
