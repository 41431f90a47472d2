{{ config(materialized='table') }}

{#-
    One row per element of purchases.products of every bronze transactions row (re-deliveries and
    invalid rows included), typed and validated with transaction_line_rules(). The elements are
    parsed once here; int_transactions__checked folds the line errors into the transaction's.
-#}
{%- set fields = [
    {'path': '', 'column': 'line', 'type': 'object'},
    {'path': 'sku', 'type': 'bigint'},
    {'path': 'quanitity', 'type': 'bigint'},
    {'path': 'price', 'type': 'money'},
    {'path': 'total', 'type': 'money'},
] -%}

with transactions as (
    select * from {{ ref('brz_transactions') }}
),

products as (
    select * from {{ ref('brz_products') }}
),

known_products as (
    select distinct sku from products
    where sku is not null
),

element_lists as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        {{ json_array_elements('purchases_products') }} as elements
    from transactions
),

elements as (
    select
        _source_file,
        _file_sha256,
        _line_number,
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
        _line_errors
    from validated
)

select * from final
