{#-
    Per entity: bronze rows = silver rows + quarantine rows + duplicate rows (tested by
    tests/dbt/assert_silver_reconciles.sql). Bronze rows are counted on the bronze models, silver
    and quarantine rows on the silver tables themselves, duplicates (valid rows collapsed by the
    de-duplication rule) on the intermediate checks. transaction_lines counts the elements of
    purchases.products: bronze lines are the rows int_transaction_lines derived, and the lines
    of quarantined and duplicate transaction rows (their line_count, the size of the array) are
    quarantine and duplicate lines. Summing line_count, not joining the 30M lines back to
    their transactions, keeps this model cheap in a refresh; the two derivations of a line
    count then check each other.
-#}

with bronze_customers as (
    select * from {{ ref('brz_customers') }}
),

bronze_products as (
    select * from {{ ref('brz_products') }}
),

bronze_transactions as (
    select * from {{ ref('brz_transactions') }}
),

bronze_erasure_requests as (
    select * from {{ ref('brz_erasure_requests') }}
),

checked_customers as (
    select * from {{ ref('int_customers__checked') }}
),

checked_products as (
    select * from {{ ref('int_products__checked') }}
),

checked_transactions as (
    select * from {{ ref('int_transactions__checked') }}
),

checked_transaction_lines as (
    select * from {{ ref('int_transaction_lines') }}
),

checked_erasure_requests as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

customers as (
    select * from {{ ref('slv_customers') }}
),

customers_quarantine as (
    select * from {{ ref('slv_customers_quarantine') }}
),

products as (
    select * from {{ ref('slv_products') }}
),

products_quarantine as (
    select * from {{ ref('slv_products_quarantine') }}
),

transactions as (
    select * from {{ ref('slv_transactions') }}
),

transactions_quarantine as (
    select * from {{ ref('slv_transactions_quarantine') }}
),

transaction_lines as (
    select * from {{ ref('slv_transaction_lines') }}
),

erasure_requests as (
    select * from {{ ref('slv_erasure_requests') }}
),

erasure_requests_quarantine as (
    select * from {{ ref('slv_erasure_requests_quarantine') }}
),

counts as (
    select
        'customers' as entity,
        (select count(*) from bronze_customers) as bronze_rows,
        (select count(*) from customers) as silver_rows,
        (select count(*) from customers_quarantine) as quarantine_rows,
        (
            select count(*) from checked_customers
            where _row_status = 'duplicate'
        ) as duplicate_rows
    union all
    select
        'products' as entity,
        (select count(*) from bronze_products) as bronze_rows,
        (select count(*) from products) as silver_rows,
        (select count(*) from products_quarantine) as quarantine_rows,
        (
            select count(*) from checked_products
            where _row_status = 'duplicate'
        ) as duplicate_rows
    union all
    select
        'transactions' as entity,
        (select count(*) from bronze_transactions) as bronze_rows,
        (select count(*) from transactions) as silver_rows,
        (select count(*) from transactions_quarantine) as quarantine_rows,
        (
            select count(*) from checked_transactions
            where _row_status = 'duplicate'
        ) as duplicate_rows
    union all
    select
        'transaction_lines' as entity,
        (select count(*) from checked_transaction_lines) as bronze_rows,
        (select count(*) from transaction_lines) as silver_rows,
        (
            select cast(coalesce(sum(line_count), 0) as {{ sql_type('bigint') }})
            from checked_transactions
            where _row_status = 'quarantined'
        ) as quarantine_rows,
        (
            select cast(coalesce(sum(line_count), 0) as {{ sql_type('bigint') }})
            from checked_transactions
            where _row_status = 'duplicate'
        ) as duplicate_rows
    union all
    select
        'erasure_requests' as entity,
        (select count(*) from bronze_erasure_requests) as bronze_rows,
        (select count(*) from erasure_requests) as silver_rows,
        (select count(*) from erasure_requests_quarantine) as quarantine_rows,
        (
            select count(*) from checked_erasure_requests
            where _row_status = 'duplicate'
        ) as duplicate_rows
),

final as (
    select
        entity,
        bronze_rows,
        silver_rows,
        quarantine_rows,
        duplicate_rows,
        bronze_rows = silver_rows + quarantine_rows + duplicate_rows as is_reconciled
    from counts
)

select * from final
