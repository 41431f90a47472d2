{#-
    Fails when silver transaction lines do not match the nested purchases.products arrays: per
    silver transaction, the array's element count (json array length, independent of the
    unnesting) must equal its number of silver lines, and the line totals must add up to
    total_cost; a line whose transaction is not in silver fails too. In a build it checks the
    transactions this build wrote to either model (macros/tests/where_batch.sql); elsewhere,
    and in a build that wrote every row of both (a first or full build), every transaction.
    Both sides meet in one aggregate by transaction id, without a join: at 10M transactions
    the joins and the id scoping of a full build ran out of memory at a 2GB limit.
-#}
{%- set scoped = not (
    batch_is_whole(ref('slv_transactions')) and batch_is_whole(ref('slv_transaction_lines'))
) %}

with transactions as (
    select * from {{ ref('slv_transactions') }}
),

transaction_lines as (
    select * from {{ ref('slv_transaction_lines') }}
),

{% if scoped %}
    batch_transactions as (
        select transaction_id from {{ ref('slv_transactions') }}
        where {{ this_batch_filter(ref('slv_transactions')) }}
    ),

    batch_lines as (
        select transaction_id from {{ ref('slv_transaction_lines') }}
        where {{ this_batch_filter(ref('slv_transaction_lines')) }}
    ),

    -- batch_ids: read by scoped_sides when scoped
    batch_ids as ( -- noqa: ST03
        select transaction_id from batch_transactions
        union
        select transaction_id from batch_lines
    ),

{% endif %}
both_sides as (
    select
        transaction_id,
        1 as transaction_rows,
        line_count as array_elements,
        total_cost,
        0 as line_rows,
        cast(null as {{ sql_type('money') }}) as line_total
    from transactions
    union all
    select
        transaction_id,
        0 as transaction_rows,
        -- null, not 0: the sum is then the transaction's own line_count, null included, as the
        -- left join it replaces compared it (a line without a transaction fails on its own)
        cast(null as bigint) as array_elements,
        cast(null as {{ sql_type('money') }}) as total_cost,
        1 as line_rows,
        line_total
    from transaction_lines
),

scoped_sides as (
    select * from both_sides
    {%- if scoped %}
        where transaction_id in (select batch_ids.transaction_id from batch_ids)
    {%- endif %}
),

compared as (
    select
        transaction_id,
        sum(transaction_rows) as transaction_rows,
        sum(array_elements) as array_elements,
        sum(line_rows) as line_rows,
        max(total_cost) as total_cost,
        sum(line_total) as lines_total
    from scoped_sides
    group by transaction_id
),

final as (
    select
        transaction_id,
        array_elements,
        line_rows,
        total_cost,
        lines_total
    from compared
    where
        transaction_rows = 0
        or array_elements <> line_rows
        or total_cost <> lines_total
)

select * from final
