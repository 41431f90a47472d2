with checked as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

valid_requests as (
    select
        *,
        row_number() over (
            partition by subject_key
            order by {{ earliest_version_first() }}
        ) as _request_order
    from checked
    where _row_status <> 'quarantined'
),

subject_summaries as (
    select
        subject_key,
        max(subject_id_hash) as subject_id_hash,
        max(subject_email_hash) as subject_email_hash,
        max(case when is_resolved then 1 else 0 end) = 1 as is_resolved,
        min(_ingested_at) as first_seen_at,
        count(*) as request_rows
    from valid_requests
    group by subject_key
),

first_requests as (
    select
        subject_key,
        _source_file as first_request_source_file,
        _line_number as first_request_line_number,
        _partition_date as first_request_partition_date,
        _partition_hour as first_request_partition_hour
    from valid_requests
    where _request_order = 1
),

final as (
    select
        subject_summaries.subject_key,
        subject_summaries.subject_id_hash,
        subject_summaries.subject_email_hash,
        subject_summaries.is_resolved,
        first_requests.first_request_source_file,
        first_requests.first_request_line_number,
        first_requests.first_request_partition_date,
        first_requests.first_request_partition_hour,
        subject_summaries.first_seen_at,
        subject_summaries.request_rows
    from subject_summaries
    inner join first_requests
        on subject_summaries.subject_key = first_requests.subject_key
)

select * from final
