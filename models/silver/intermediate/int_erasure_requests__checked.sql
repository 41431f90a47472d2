{{ config(materialized='table') }}

{#-
    Every bronze erasure-requests row, validated, resolved to its subject and classified
    (quarantined / current / duplicate). Holds no clear id or email: only salted hashes.
    A table, not a view: its SQL holds the salt.
-#}

with requests as (
    select * from {{ ref('brz_erasure_requests') }}
),

customers as (
    select * from {{ ref('brz_customer_keys') }}
),

customer_keys as (
    select
        {{ normalized_customer_id('id') }} as customer_id,
        {{ normalized_email('email') }} as email,
        _erased_email_hash
    from customers
    group by
        {{ normalized_customer_id('id') }},
        {{ normalized_email('email') }},
        _erased_email_hash
    {{ having_customer_id('id') }}
),

customer_id_hashes as (
    select
        customer_id,
        {{ salted_hash('customer_id') }} as id_hash
    from (select distinct customer_id from customer_keys) as ids
),

customer_emails as (
    -- a customer anonymized on its way in keeps its email's hash (macros/erasure_records.sql)
    select
        customer_id,
        coalesce({{ salted_hash('email') }}, _erased_email_hash) as email_hash
    from customer_keys
),

customer_email_owners as (
    -- an email shared by several customers resolves to the lowest id
    select
        email_hash,
        min(customer_id) as customer_id
    from customer_emails
    where email_hash is not null
    group by email_hash
),

customer_email_hashes as (
    select
        customer_email_owners.email_hash,
        customer_id_hashes.id_hash
    from customer_email_owners
    inner join customer_id_hashes
        on customer_email_owners.customer_id = customer_id_hashes.customer_id
),

validated as (
    select
        *,
        {{ record_errors(erasure_request_rules()) }} as _errors
    from requests
),

hashed as (
    -- what the request names: the clear fields, or the hashes the erasure finaliser left
    select
        *,
        coalesce(
            _erased_subject_id_hash, {{ salted_hash(normalized_customer_id('customer_id')) }}
        ) as request_id_hash,
        coalesce(
            _erased_subject_email_hash, {{ salted_hash(normalized_email('email')) }}
        ) as request_email_hash
    from validated
),

resolved as (
    -- by customer id first, else by a customer's email; unresolved requests keep their hashes
    select
        hashed.*,
        coalesce(by_id.id_hash, by_email.id_hash) is not null as is_resolved,
        coalesce(by_id.id_hash, by_email.id_hash, hashed.request_id_hash) as subject_id_hash
    from hashed
    left join customer_id_hashes as by_id
        on hashed.request_id_hash = by_id.id_hash
    left join customer_email_hashes as by_email
        on hashed.request_email_hash = by_email.email_hash
),

keyed as (
    select
        *,
        {{ list_size('_errors') }} = 0 as _is_valid,
        coalesce(subject_id_hash, request_email_hash) as subject_key
    from resolved
),

subject_emails as (
    select
        subject_key,
        max(request_email_hash) as subject_email_hash
    from keyed
    where _is_valid
    group by subject_key
),

ranked as (
    -- de-duplication: one request per subject and landing partition
    select
        *,
        row_number() over (
            partition by _is_valid, subject_key, _partition_date, _partition_hour
            order by {{ latest_version_first() }}
        ) as _version_rank
    from keyed
),

final as (
    select
        ranked._source_file,
        ranked._file_sha256,
        ranked._line_number,
        ranked._partition_date,
        ranked._partition_hour,
        ranked._ingested_at,
        ranked._source_type,
        ranked._kafka_topic,
        ranked._kafka_partition,
        ranked._kafka_offset,
        {{ row_status('ranked._is_valid', 'ranked._version_rank') }} as _row_status,
        ranked._errors,
        case when ranked._is_valid then ranked.subject_key end as subject_key,
        case when ranked._is_valid then ranked.subject_id_hash end as subject_id_hash,
        case when ranked._is_valid then subject_emails.subject_email_hash end
            as subject_email_hash,
        case when ranked._is_valid then ranked.request_id_hash end as request_id_hash,
        case when ranked._is_valid then ranked.request_email_hash end as request_email_hash,
        ranked._is_valid and ranked.is_resolved as is_resolved,
        case when not ranked._is_valid then ranked.record end as record
    from ranked
    -- an equality alone: with `ranked._is_valid and` in the condition DuckDB joined by nested
    -- loops (1.5 s for 23k requests, growing with their square)
    left join subject_emails
        on ranked.subject_key = subject_emails.subject_key
)

select * from final
