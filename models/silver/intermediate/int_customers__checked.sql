{{ config(materialized='table') }}

{#-
    Every bronze customers row, validated, erasure applied and classified (quarantined / current /
    duplicate): the single pass that slv_customers, its quarantine, the reconciliation and the
    erasure audit read. Personal fields of erased subjects are already null here. Rows are
    validated on their original fields; once the finaliser has erased a bronze row, the errors
    its personal fields had are read from the record's `_erased_errors`, so an erased customer
    stays valid or quarantined exactly as before.
-#}

with customers as (
    select * from {{ ref('brz_customers') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

flagged as (
    -- a semi-join on the erased ids: the wide customers rows are never put in a hash table
    select
        *,
        {{ normalized_customer_id('id') }} as customer_id,
        coalesce({{ normalized_customer_id('id') }} in (
            select erased_customers.customer_id from erased_customers
        ), false)
        or coalesce(_erased, false) as is_erased
    from customers
),

validated as (
    select
        *,
        {{ record_errors(
            customer_rules(),
            'coalesce(_erased, false)',
            erasure_personal_fields('customers'),
            stored_errors="coalesce(_erased_errors, '')",
        ) }} as _errors
    from flagged
),

ranked as (
    -- de-duplication: the latest valid version of each customer id
    select
        *,
        {{ list_size('_errors') }} = 0 as _is_valid,
        row_number() over (
            partition by {{ list_size('_errors') }} = 0, customer_id
            order by {{ latest_version_first() }}
        ) as _version_rank
    from validated
),

final as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _partition_hour,
        _ingested_at,
        _source_type,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        {{ row_status('_is_valid', '_version_rank') }} as _row_status,
        _errors,
        is_erased,
        customer_id,
        {{ erased_as_null("nullif(trim(first_name), '')") }} as first_name,
        {{ erased_as_null("nullif(trim(last_name), '')") }} as last_name,
        {{ erased_as_null(normalized_email('email')) }} as email,
        {{ erased_as_null("nullif(trim(phone_number), '')") }} as phone_number,
        {{ erased_as_null('date_of_birth') }} as date_of_birth,
        {{ erased_as_null("nullif(trim(address), '')") }} as address,
        {{ erased_as_null("nullif(trim(postcode), '')") }} as postcode,
        {{ erased_as_null("nullif(trim(city), '')") }} as city,
        nullif(trim(country), '') as country,
        nullif(trim(segment), '') as segment,
        last_change,
        case when not _is_valid and not is_erased then record end as record
    from ranked
)

select * from final
