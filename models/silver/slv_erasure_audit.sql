{#- No personal data: subjects by salted hash only, counts, lineage of the request. -#}

with subjects as (
    select * from {{ ref('slv_erasure_subjects') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

checked_customers as (
    select * from {{ ref('int_customers__checked') }}
),

checked_transactions as (
    select * from {{ ref('int_transactions__checked') }}
),

customers as (
    select * from {{ ref('slv_customers') }}
),

transactions as (
    select * from {{ ref('slv_transactions') }}
),

subject_customers as (
    select distinct
        subject_key,
        customer_id
    from erased_customers
    where subject_key is not null
),

bronze_customer_rows as (
    select
        subject_customers.subject_key,
        count(*) as row_count
    from subject_customers
    inner join checked_customers
        on subject_customers.customer_id = checked_customers.customer_id
    group by subject_customers.subject_key
),

bronze_transaction_rows as (
    select
        subject_customers.subject_key,
        count(*) as row_count
    from subject_customers
    inner join checked_transactions
        on subject_customers.customer_id = checked_transactions.customer_id
    group by subject_customers.subject_key
),

silver_customer_rows as (
    select
        subject_customers.subject_key,
        count(*) as row_count
    from subject_customers
    inner join customers
        on subject_customers.customer_id = customers.customer_id
    group by subject_customers.subject_key
),

silver_transaction_rows as (
    select
        subject_customers.subject_key,
        count(*) as row_count
    from subject_customers
    inner join transactions
        on subject_customers.customer_id = transactions.customer_id
    group by subject_customers.subject_key
),

final as (
    select
        subjects.subject_key,
        subjects.subject_id_hash,
        subjects.first_request_source_file as request_source_file,
        subjects.first_request_line_number as request_line_number,
        subjects.first_seen_at as applied_at,
        subjects.is_resolved,
        coalesce(bronze_customer_rows.row_count, 0) as bronze_customer_rows,
        coalesce(bronze_transaction_rows.row_count, 0) as bronze_transaction_rows,
        coalesce(silver_customer_rows.row_count, 0) as silver_customer_rows,
        coalesce(silver_transaction_rows.row_count, 0) as silver_transaction_rows
    from subjects
    left join bronze_customer_rows
        on subjects.subject_key = bronze_customer_rows.subject_key
    left join bronze_transaction_rows
        on subjects.subject_key = bronze_transaction_rows.subject_key
    left join silver_customer_rows
        on subjects.subject_key = silver_customer_rows.subject_key
    left join silver_transaction_rows
        on subjects.subject_key = silver_transaction_rows.subject_key
)

select * from final
