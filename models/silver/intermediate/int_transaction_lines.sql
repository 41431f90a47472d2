{{ config(
    materialized='incremental',
    unique_key=['_source_file', '_file_sha256', '_line_number'],
) }}

{#-
    One row per element of purchases.products of every bronze transactions row (re-deliveries and
    invalid rows included), typed and validated with transaction_line_rules(). The elements are
    parsed once here; int_transactions__checked folds the line errors into the transaction's.
    Incremental (macros/incremental.sql), keyed by the bronze row: re-derives the lines of new
    bronze rows and of rows with a line whose product was unknown and is now in bronze (the only
    fact from outside the row; it can only turn from unknown to known).
    Bronze is read through the bronze model's own SQL for the one field used (macros/bronze.sql):
    the view extracts all twelve fields of every row, which took 8 s of a 10M-line full build.
-#}
{%- set fields = [
    {'path': '', 'column': 'line', 'type': 'object'},
    {'path': 'sku', 'type': 'bigint'},
    {'path': 'quanitity', 'type': 'bigint'},
    {'path': 'price', 'type': 'money'},
    {'path': 'total', 'type': 'money'},
] -%}

-- depends_on: {{ ref('brz_transactions') }}
with products as (
    select * from {{ ref('brz_products') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_transactions as (
        select * from {{ ref('brz_transactions') }}
        where _dlt_load_id > {{ load_watermark() }}
    ),

    previous_lines as (
        select * from {{ this }}
    ),

{% endif %}
known_products as (
    select distinct sku from products
    where sku is not null
),

{% if is_incremental() %}
    affected_rows as (
        select
            _source_file,
            _file_sha256,
            _line_number
        from new_transactions
        union
        select
            previous_lines._source_file,
            previous_lines._file_sha256,
            previous_lines._line_number
        from previous_lines
        inner join known_products
            on previous_lines.sku = known_products.sku
        where not previous_lines.is_known_product
    ),

{% endif %}
scoped_transactions as (
    {{ bronze_model(
        'transactions',
        bronze_fields('transactions') | selectattr('path', 'equalto', 'purchases.products') | list,
        kafka_table='kafka_transactions', unknown_fields=false,
        only_rows='affected_rows' if is_incremental() else none
    ) | indent(4) }}
),

element_lists as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        _dlt_load_id,
        {{ json_array_elements('purchases_products') }} as elements
    from scoped_transactions
),

elements as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        _dlt_load_id,
        {{ unnest_with_position('elements', 'element', 'line_position') }}
    from element_lists
),

field_lists as (
    select
        *,
        {{ json_texts('element', bronze_paths(fields)) }} as _field_texts,
        {{ json_types('element', bronze_paths(fields)) }} as _field_types
    from elements
),

extracted as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        _dlt_load_id,
        line_position,
        {{ bronze_raw_columns(fields) }}
    from field_lists
),

typed as (
    select
        *,
        {{ bronze_typed_columns(fields) }}
    from extracted
),

looked_up as (
    select
        typed.*,
        known_products.sku is not null as is_known_product
    from typed
    left join known_products
        on typed.sku = known_products.sku
),

validated as (
    select
        *,
        {{ rule_errors(
            transaction_line_rules(),
            prefix_sql="'lines[' || cast(line_position as " ~ sql_type('text') ~ ") || ']'"
        ) }} as _line_errors
    from looked_up
),

final as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        line_position,
        sku,
        quanitity as quantity,
        price,
        total as line_total,
        is_known_product,
        _line_errors,
        _dlt_load_id,
        {{ batch_marker() }} as _batch_at
    from validated
)

select * from final
