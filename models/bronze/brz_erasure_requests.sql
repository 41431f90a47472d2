{#- One row per bronze erasure-requests line; every field typed (see macros/bronze.sql). -#}
{%- set fields = [
    {'path': 'customer-id', 'type': 'text'},
    {'path': 'email', 'type': 'text'},
    {'path': '_erased_subject', 'type': 'object'},
    {'path': '_erased_subject.id_hash', 'type': 'text'},
    {'path': '_erased_subject.email_hash', 'type': 'text'},
] -%}

with source as (
    select * from {{ source('bronze', 'erasure_requests') }}
),

parsed as (
    select
        *,
        case when _is_valid_json then record end as _json_record
    from source
),

field_lists as (
    select
        *,
        {{ json_texts('_json_record', bronze_paths(fields)) }} as _field_texts,
        {{ json_types('_json_record', bronze_paths(fields)) }} as _field_types,
        {{ json_object_keys('_json_record') }} as _field_names
    from parsed
),

extracted as (
    select
        _source_file,
        _partition_date,
        _partition_hour,
        _line_number,
        _file_sha256,
        _ingested_at,
        _dlt_load_id,
        _is_valid_json,
        _line_error,
        record,
        {{ bronze_unknown_fields('_field_names', fields) }} as _unknown_fields,
        {{ bronze_raw_columns(fields) }}
    from field_lists
),

final as (
    select
        *,
        {{ bronze_typed_columns(fields) }}
    from extracted
)

select * from final
