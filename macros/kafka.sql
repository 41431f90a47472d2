{#-
    Kafka topics in the bronze models. A topic's bronze table (bronze.kafka_<topic>, loaded by
    dlt_pipelines/kafka) exists only once a dump or a live topic delivered it, so the models
    read it through kafka_source: the table when it exists, else an empty relation of the same
    shape. Messages join the file rows of their entity with a common lineage (kafka_lineage).
    Like macros/cross_db.sql, every use of `adapter` falls back to DuckDB's SQL when it is not
    defined (sqlfluff's jinja templater lints without one).
-#}

{#- A column name quoted for the adapter ("offset" and "partition" are keywords). -#}
{% macro quoted(name) -%}
    {{ return(adapter.quote(name) if adapter is defined else '"' ~ name ~ '"') }}
{%- endmacro %}


{#- The bronze table of a topic, or an empty relation with its columns when it is not loaded
    (or the entity has no topic: none). -#}
{% macro kafka_source(table_name) -%}
    {%- set declared = source('bronze', table_name) if table_name else none -%}
    {%- set loaded = adapter.get_relation(
        database=declared.database, schema=declared.schema, identifier=declared.identifier
    ) if declared is not none and execute and adapter is defined else none -%}
    {%- if loaded is not none or (declared is not none and adapter is not defined) -%}
        {{ declared }}
    {%- else -%}
        {{ empty_relation([
            ('topic', 'text'), (quoted('partition'), 'bigint'), (quoted('offset'), 'bigint'),
            (quoted('timestamp'), 'timestamp'), ('timestamp_type', 'text'),
            (quoted('key'), 'text'), ('record', 'text'), ('headers', 'text'),
            ('_line_error', 'text'), ('_is_valid_json', 'boolean'), ('_source', 'text'),
            ('_source_file', 'text'), ('_line_number', 'bigint'), ('_file_sha256', 'text'),
            ('_ingested_at', 'timestamp'), ('_dlt_load_id', 'text'),
        ]) }}
    {%- endif -%}
{%- endmacro %}


{#- A message's create time as a UTC timestamp without zone. -#}
{% macro utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('utc_timestamp')(expression) if adapter is defined
        else default__utc_timestamp(expression)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expression) -%}
    timezone('UTC', {{ expression }})
{%- endmacro %}

{% macro spark__utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}


{#- The lineage columns of a bronze row, in bronze_model's order. File rows: their file, its
    partition and version, the line. Messages: _source_file 'kafka:<topic>/<partition>',
    _line_number the offset, _file_sha256 'kafka' (a message has no file version: topic,
    partition and offset identify it), the partition date and hour of its create time (its
    ingestion time when it has none), and the _kafka_* columns. -#}
{% macro file_lineage() -%}
        'file' as _source_type,
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
        cast(null as {{ sql_type('text') }}) as _kafka_topic,
        cast(null as bigint) as _kafka_partition,
        cast(null as bigint) as _kafka_offset,
        cast(null as timestamp) as _kafka_timestamp,
        cast(null as {{ sql_type('text') }}) as _kafka_key
{%- endmacro %}

{% macro kafka_lineage() -%}
    {%- set partition = quoted('partition') -%}
    {%- set offset = quoted('offset') -%}
    {%- set event_time = 'coalesce(' ~ utc_timestamp(quoted('timestamp')) ~ ', '
        ~ utc_timestamp('_ingested_at') ~ ')' -%}
        'kafka' as _source_type,
        'kafka:' || topic || '/' || cast({{ partition }} as {{ sql_type('text') }}) as _source_file,
        cast({{ event_time }} as date) as _partition_date,
        cast(hour({{ event_time }}) as bigint) as _partition_hour,
        {{ offset }} as _line_number,
        'kafka' as _file_sha256,
        _ingested_at,
        _dlt_load_id,
        _is_valid_json,
        _line_error,
        record,
        topic as _kafka_topic,
        {{ partition }} as _kafka_partition,
        {{ offset }} as _kafka_offset,
        {{ utc_timestamp(quoted('timestamp')) }} as _kafka_timestamp,
        {{ quoted('key') }} as _kafka_key
{%- endmacro %}


{#- The bronze table a row of an entity's bronze model came from: the file table, or the
    topic's table kafka_<entity> for a message. -#}
{% macro bronze_table_of(entity, source_type_column) -%}
    case when {{ source_type_column }} = 'kafka' then 'kafka_{{ entity }}' else '{{ entity }}' end
{%- endmacro %}
