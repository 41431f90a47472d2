{#-
    The erasure finaliser's work list for the clickstream topic (unioned into
    slv_erasure_targets): every JSON message naming an erased customer, with the value to
    write in its place: customer_id and search_query JSON null, url and referrer without
    their query string (newsletter links carry the customer id as cid), "_erased": true (so
    silver still knows the event is erased). Once rewritten a message names no customer and
    drops out. The original value is not kept here: it holds the erased customer's id.
    DuckDB only (the finaliser rewrites the DuckDB warehouse).
-#}
{{ config(materialized='table', enabled=target_is('duckdb')) }}

with bronze_events as (
    select * from {{ ref('brz_clickstream') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

erased_ids as (
    select distinct customer_id from erased_customers
),

erased_events as (
    select bronze_events.*
    from bronze_events
    inner join erased_ids
        on {{ normalized_customer_id('bronze_events.customer_id') }} = erased_ids.customer_id
    where bronze_events._is_valid_json
),

nulled as (
    select
        *,
        {{ json_with_nulls('record', clickstream_personal_fields()) }} as nulled_record
    from erased_events
),

url_stripped as (
    select
        *,
        case
            when url_json_type = 'string'
                then json_merge_patch(
                    nulled_record, json_object('url', {{ clickstream_url_without_query('url') }})
                )
            else nulled_record
        end as url_record
    from nulled
),

anonymized as (
    select
        'kafka_clickstream' as bronze_table,
        _source_file,
        _file_sha256,
        _line_number,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        record,
        cast(
            case
                when referrer_json_type = 'string'
                    then json_merge_patch(
                        url_record,
                        json_object('referrer', {{ clickstream_url_without_query('referrer') }})
                    )
                else url_record
            end as {{ sql_type('text') }}
        ) as anonymized_record
    from url_stripped
),

final as (
    select
        bronze_table,
        _source_file,
        _file_sha256,
        _line_number,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        anonymized_record
    from anonymized
    where record <> anonymized_record
)

select * from final
