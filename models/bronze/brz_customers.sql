{#- One row per bronze customers line; every field typed (see macros/bronze.sql). -#}
{%- set fields = [
    {'path': 'id', 'type': 'text'},
    {'path': 'first_name', 'type': 'text'},
    {'path': 'last_name', 'type': 'text'},
    {'path': 'date_of_birth', 'type': 'date'},
    {'path': 'email', 'type': 'text'},
    {'path': 'phone_number', 'type': 'text'},
    {'path': 'address', 'type': 'text'},
    {'path': 'city', 'type': 'text'},
    {'path': 'country', 'type': 'text'},
    {'path': 'postcode', 'type': 'text'},
    {'path': 'last_change', 'type': 'date'},
    {'path': 'segment', 'type': 'text'},
    {'path': '_erased', 'type': 'boolean'},
    {'path': '_erased_errors', 'type': 'text'},
] -%}

with source as (
    select * from {{ source('bronze', 'customers') }}
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
