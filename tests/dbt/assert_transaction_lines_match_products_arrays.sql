{#-
    Fails when silver transaction lines do not match the nested purchases.products arrays: per
    silver transaction, the array's element count (json array length, independent of the
    unnesting) must equal its number of silver lines, and the line totals must add up to
    total_cost. In a build it checks the transactions this build wrote to either model
    (macros/tests/where_batch.sql); elsewhere every transaction.
-#}

with batch_transactions as (
    select transaction_id from {{ ref('slv_transactions') }}
    where {{ this_batch_filter(ref('slv_transactions')) }}
),

batch_lines as (
    select transaction_id from {{ ref('slv_transaction_lines') }}
    where {{ this_batch_filter(ref('slv_transaction_lines')) }}
),

batch_ids as (
    select transaction_id from batch_transactions
    union
    select transaction_id from batch_lines
),

transactions as (
    select * from {{ ref('slv_transactions') }}
    where transaction_id in (select batch_ids.transaction_id from batch_ids)
),

transaction_lines as (
    select * from {{ ref('slv_transaction_lines') }}
    where transaction_id in (select batch_ids.transaction_id from batch_ids)
),

line_summaries as (
    select
        transaction_id,
        count(*) as line_rows,
        sum(line_total) as lines_total
    from transaction_lines
    group by transaction_id
),

compared as (
    select
        transactions.transaction_id,
        transactions.line_count as array_elements,
        coalesce(line_summaries.line_rows, 0) as line_rows,
        transactions.total_cost,
        line_summaries.lines_total
    from transactions
    left join line_summaries
        on transactions.transaction_id = line_summaries.transaction_id
),

orphan_lines as (
    select
        line_summaries.transaction_id,
        0 as array_elements,
        line_summaries.line_rows,
        cast(null as {{ sql_type('money') }}) as total_cost,
        line_summaries.lines_total
    from line_summaries
    left join transactions
        on line_summaries.transaction_id = transactions.transaction_id
    where transactions.transaction_id is null
),

final as (
    select * from compared
    where array_elements <> line_rows or total_cost <> lines_total
    union all
    select * from orphan_lines
)

select * from final
