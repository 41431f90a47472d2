{#-
    Field extraction for the bronze models (models/bronze/brz_*.sql).

    A bronze model declares its fields as a list of {'path': <dotted JSON path>, 'type': <logical
    type>} (optionally 'column': <name>); each field becomes three columns, named after the path
    ('.' and '-' become '_'):
      <column>_raw        the value as text (json_texts): null when missing or JSON null
      <column>_json_type  string | number | boolean | null | object | array; null when missing
      <column>            the typed value, or null when it is missing or of the wrong type/format
    so validation can tell "missing" (<column>_raw is null) from "wrong type" (<column>_raw is
    not null and <column> is null). Logical types and what a value must look like:
      text       a JSON string
      bigint     a JSON number without fraction or exponent
      double     a JSON number
      boolean    a JSON boolean
      money      a JSON string holding a plain decimal ("25.00"), cast to decimal(18, 3)
      date       a JSON string YYYY-MM-DD that is a calendar date
      timestamp  a JSON string YYYY-MM-DD[T ]HH:MM:SS[.fraction] (no zone), a valid instant
      object     a JSON object (typed value: its JSON text)
      array      a JSON array (typed value: its JSON text)
-#}

{#- The column name of a field: its `column` if given (required for the document itself, path
    ''), else the path with '.' and '-' as '_'. -#}
{% macro bronze_column(field) -%}
    {%- if field.column -%}
        {{ return(field.column) }}
    {%- endif -%}
    {{ return(field.path | replace('.', '_') | replace('-', '_')) }}
{%- endmacro %}


{#- `<column>_raw, <column>_json_type` for each field, read from the per-row lists. -#}
{% macro bronze_raw_columns(fields, texts='_field_texts', types='_field_types') -%}
    {%- set items = [] -%}
    {%- for field in fields -%}
        {%- set column = bronze_column(field) -%}
        {%- do items.append(list_item(texts, loop.index) ~ ' as ' ~ column ~ '_raw') -%}
        {%- do items.append(list_item(types, loop.index) ~ ' as ' ~ column ~ '_json_type') -%}
    {%- endfor -%}
    {{ items | join(',\n        ') }}
{%- endmacro %}


{#- The typed value of one field, from its _raw and _json_type columns (or the expressions `raw`
    and `json_type`). -#}
{% macro bronze_typed_value(column, logical_type, raw=none, json_type=none) -%}
    {%- set raw = raw or column ~ '_raw' -%}
    {%- set json_type = json_type or column ~ '_json_type' -%}
    {%- if logical_type == 'text' -%}
        case when {{ json_type }} = 'string' then {{ raw }} end
    {%- elif logical_type == 'bigint' -%}
        case
            when {{ json_type }} = 'number' and {{ regex_full_match(raw, '-?[0-9]+') }}
                then {{ try_cast_to(raw, 'bigint') }}
        end
    {%- elif logical_type == 'double' -%}
        case when {{ json_type }} = 'number' then {{ try_cast_to(raw, 'double') }} end
    {%- elif logical_type == 'boolean' -%}
        case when {{ json_type }} = 'boolean' then {{ try_cast_to(raw, 'boolean') }} end
    {%- elif logical_type == 'money' -%}
        case
            when {{ json_type }} = 'string' and {{ regex_full_match(raw, '-?[0-9]+([.][0-9]+)?') }}
                then {{ try_cast_to(raw, 'money') }}
        end
    {%- elif logical_type == 'date' -%}
        case
            when {{ json_type }} = 'string' and {{ regex_full_match(raw, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
                then {{ try_cast_to(raw, 'date') }}
        end
    {%- elif logical_type == 'timestamp' -%}
        case
            when
                {{ json_type }} = 'string'
                and {{ regex_full_match(
                    raw, '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?'
                ) }}
                then {{ try_cast_to(raw, 'timestamp') }}
        end
    {%- elif logical_type in ('object', 'array') -%}
        case when {{ json_type }} = '{{ logical_type }}' then {{ raw }} end
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            'bronze field ' ~ column ~ ': unknown type ' ~ logical_type
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- The typed value of one text field of the JSON object `json_expression`, as the bronze models
    type it (above): an expression, not a subquery, so that a macro made of it stays an
    expression (macros/erasure_records.sql: the ingest's key look-up of 10M transactions lines
    took ~2.4x as long through the subquery). -#}
{% macro bronze_text_value(json_expression, path) -%}
    {{ bronze_typed_value(
        none, 'text',
        raw=list_item(json_texts(json_expression, [path]), 1),
        json_type=list_item(json_types(json_expression, [path]), 1),
    ) }}
{%- endmacro %}


{#- `<typed value> as <column>` for each field. -#}
{% macro bronze_typed_columns(fields) -%}
    {%- set items = [] -%}
    {%- for field in fields -%}
        {%- set column = bronze_column(field) -%}
        {%- do items.append(bronze_typed_value(column, field.type) ~ ' as ' ~ column) -%}
    {%- endfor -%}
    {{ items | join(',\n        ') }}
{%- endmacro %}


{#- The dotted paths of the fields (for json_texts / json_types). -#}
{% macro bronze_paths(fields) -%}
    {%- set paths = [] -%}
    {%- for field in fields -%}{%- do paths.append(field.path) -%}{%- endfor -%}
    {{ return(paths) }}
{%- endmacro %}


{#- The top-level keys in `keys_expression` that no field declares (schema drift). -#}
{% macro bronze_unknown_fields(keys_expression, fields) -%}
    {%- set known = [] -%}
    {%- for field in fields -%}
        {%- set top = field.path.split('.')[0] -%}
        {%- if top and ("'" ~ top ~ "'") not in known -%}
            {%- do known.append("'" ~ top ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ list_where(
        keys_expression, 'field_name', 'field_name not in (' ~ known | join(', ') ~ ')'
    ) }}
{%- endmacro %}

{#- The bronze table of an entity's landing files, or (none) an empty relation of its shape. -#}
{% macro file_source(table_name) -%}
    {%- if table_name -%}
        {{ source('bronze', table_name) }}
    {%- else -%}
        {{ empty_relation([
            ('record', 'text'), ('_line_error', 'text'), ('_is_valid_json', 'boolean'),
            ('_source_file', 'text'), ('_partition_date', 'date'), ('_partition_hour', 'bigint'),
            ('_line_number', 'bigint'), ('_file_sha256', 'text'), ('_ingested_at', 'timestamp'),
            ('_dlt_load_id', 'text'),
        ]) }}
    {%- endif -%}
{%- endmacro %}


{#- A subquery with no rows and the given (column name, logical type) columns (sql_type). -#}
{% macro empty_relation(columns) -%}
    {%- set casts = [] -%}
    {%- for name, logical_type in columns -%}
        {%- do casts.append('cast(null as ' ~ sql_type(logical_type) ~ ') as ' ~ name) -%}
    {%- endfor -%}
    (select {{ casts | join(', ') }} where 1 = 0)
{%- endmacro %}


{#- The whole bronze model of one entity (a view): every row of its file table (`source_table`)
    and of its Kafka topic's table (`kafka_table`, macros/kafka.sql; either may be none), 1:1,
    with a common lineage, and every field of `fields` extracted from `record` and typed. The
    entities' field lists are in macros/bronze_fields.sql (the run record's schema-drift check
    reads them there); a model of a few fields declares its own.
    `unknown_fields`: also list the record's top-level keys that `fields` does not declare
    (`_unknown_fields`, schema drift); off (null) for a model of a few fields only.
    `only_rows`: the name of a relation of lineage keys (one row per bronze row) in scope where
    the macro is used; only those rows are read and parsed. A join with the view would come
    after the parse of every row (DuckDB does not move a join below a projection). -#}
{% macro bronze_model(
    source_table, fields, kafka_table=none, unknown_fields=true, only_rows=none
) -%}
with file_rows as (
    select * from {{ file_source(source_table) }}
),

kafka_messages as (
    select * from {{ kafka_source(kafka_table) }}
),

source as (
    select
        {{ file_lineage() }}
    from file_rows
    union all
    select
        {{ kafka_lineage() }}
    from kafka_messages
),

{% if only_rows %}
    wanted_rows as (
        select source.*
        from source
        inner join {{ only_rows }} as wanted_keys
            on {{ lineage_match('source', 'wanted_keys') }}
    ),

{% endif %}
parsed as (
    select
        *,
        case when _is_valid_json then record end as _json_record
    from {{ 'wanted_rows' if only_rows else 'source' }}
),

field_lists as (
    select
        *,
        {{ json_texts('_json_record', bronze_paths(fields)) }} as _field_texts,
        {{ json_types('_json_record', bronze_paths(fields)) }} as _field_types,
        {{ json_object_keys('_json_record') if unknown_fields else 'null' }} as _field_names
    from parsed
),

extracted as (
    select
        _source_type,
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
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        _kafka_timestamp,
        _kafka_key,
        {{ bronze_unknown_fields('_field_names', fields) if unknown_fields else 'null' }}
            as _unknown_fields,
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
{%- endmacro %}
