{{ config(materialized='table') }}

{#-
    The customer ids of erased subjects, with the subject they belong to: a customer is erased
    when its id hashes to a subject's id hash, its email to a subject's email hash, or its bronze
    record carries "_erased": true (written by the erasure finaliser, or by the ingest for a
    subject erased earlier; its "_erased_email_hash" still matches the subject's email hash).
    A table: seven models read it, and hashing every bronze customer twice took ~7 s at 10M
    lines for each of them.
    It holds ids and subject keys only (slv_customers shows the same ids as erased); the salt
    stays a DuckDB variable (medallion/dbt_salt_plugin.py), out of the SQL.
-#}

with requests as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

customers as (
    select * from {{ ref('brz_customer_keys') }}
),

subjects as (
    select
        subject_key,
        max(subject_id_hash) as subject_id_hash,
        max(subject_email_hash) as subject_email_hash
    from requests
    where _row_status <> 'quarantined'
    group by subject_key
),

customer_keys as (
    select
        {{ normalized_customer_id('id') }} as customer_id,
        {{ normalized_email('email') }} as email,
        coalesce(_erased, false) as is_marked_erased,
        _erased_email_hash as marked_email_hash
    from customers
    group by
        {{ normalized_customer_id('id') }},
        {{ normalized_email('email') }},
        coalesce(_erased, false),
        _erased_email_hash
    {{ having_customer_id('id') }}
),

customer_hashes as (
    select
        customer_id,
        is_marked_erased,
        {{ salted_hash('customer_id') }} as id_hash,
        -- an anonymized record keeps its email's hash (macros/erasure_records.sql)
        coalesce({{ salted_hash('email') }}, marked_email_hash) as email_hash
    from customer_keys
),

matched_by_id as (
    select
        customer_hashes.customer_id,
        subjects.subject_key
    from customer_hashes
    inner join subjects
        on customer_hashes.id_hash = subjects.subject_id_hash
),

matched_by_email as (
    select
        customer_hashes.customer_id,
        subjects.subject_key
    from customer_hashes
    inner join subjects
        on customer_hashes.email_hash = subjects.subject_email_hash
),

matched as (
    select
        customer_id,
        subject_key
    from matched_by_id
    union
    select
        customer_id,
        subject_key
    from matched_by_email
),

marked_only as (
    -- erased in bronze by the finaliser, matching no subject any more (its email is gone)
    select distinct
        customer_id,
        cast(null as {{ sql_type('text') }}) as subject_key
    from customer_hashes
    where
        is_marked_erased
        and customer_id not in (select matched.customer_id from matched)
),

final as (
    select
        customer_id,
        subject_key
    from matched
    union all
    select
        customer_id,
        subject_key
    from marked_only
)

select * from final
