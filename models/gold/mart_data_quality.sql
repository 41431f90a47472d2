{#-
    Data quality per entity: rows quarantined by silver, per rule and landing day (one row per
    entity, rule and _partition_date; the quarantine `_errors` lists unnested), and valid rows
    removed as duplicates, per entity (slv_reconciliation has no day: partition_date is null).
    The line position of transaction rules is dropped ("lines[3].sku: unknown product" counts
    as "lines[].sku: unknown product"); a row breaking a rule on two lines counts once. A row
    breaking several rules counts under each. No record content is read: counts only.
-#}

with customers_quarantine as (
    select * from {{ ref('slv_customers_quarantine') }}
),

products_quarantine as (
    select * from {{ ref('slv_products_quarantine') }}
),

transactions_quarantine as (
    select * from {{ ref('slv_transactions_quarantine') }}
),

erasure_requests_quarantine as (
    select * from {{ ref('slv_erasure_requests_quarantine') }}
),

reconciliation as (
    select * from {{ ref('slv_reconciliation') }}
),

quarantined_rows as (
    select
        'customers' as entity,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _errors
    from customers_quarantine
    union all
    select
        'products' as entity,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _errors
    from products_quarantine
    union all
    select
        'transactions' as entity,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _errors
    from transactions_quarantine
    union all
    select
        'erasure_requests' as entity,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _errors
    from erasure_requests_quarantine
),

row_errors as (
    select
        quarantined_rows.entity,
        quarantined_rows._source_file,
        quarantined_rows._file_sha256,
        quarantined_rows._line_number,
        quarantined_rows._partition_date,
        row_error.error_text
    from quarantined_rows
    {{ gold_unnest_list('quarantined_rows._errors', 'row_error', 'error_text') }}
),

row_rules as (
    select distinct
        entity,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        case
            when error_text like 'lines[%'
                then 'lines[]' || substr(error_text, {{ gold_position("']'", 'error_text') }} + 1)
            else error_text
        end as quality_rule
    from row_errors
),

quarantine_counts as (
    select
        entity,
        'quarantine' as issue,
        quality_rule,
        _partition_date as partition_date,
        count(*) as affected_rows
    from row_rules
    group by entity, quality_rule, _partition_date
),

duplicate_counts as (
    select
        entity,
        'duplicate' as issue,
        'duplicate: removed by de-duplication' as quality_rule,
        cast(null as date) as partition_date,
        duplicate_rows as affected_rows
    from reconciliation
),

issues as (
    select * from quarantine_counts
    union all
    select * from duplicate_counts
),

final as (
    select
        {{ gold_cast('entity', 'string') }} as entity,
        {{ gold_cast('issue', 'string') }} as issue,
        {{ gold_cast('quality_rule', 'string') }} as quality_rule,
        {{ gold_cast('partition_date', 'date') }} as partition_date,
        {{ gold_cast('affected_rows', 'bigint') }} as affected_rows
    from issues
)

select * from final
