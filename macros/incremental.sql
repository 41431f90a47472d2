{#-
    Incremental models (docs: the header of each incremental model says what it re-reads).

    Pattern: delete+insert keyed by the business key (transaction_id) or the bronze row
    (_source_file, _file_sha256, _line_number). An incremental run recomputes only the AFFECTED
    keys, and for each affected key it reads ALL its upstream rows, so a late or re-delivered
    record ranks exactly as in a full build. What makes a key affected:
      - new bronze rows: _dlt_load_id greater than the greatest one the model has stored
        (`load_watermark`; dlt load ids increase with every load);
      - new upstream silver/gold rows: every incremental model stamps the rows it writes with
        `_batch_at` (`batch_marker()`, when the dbt invocation started); a downstream model
        re-reads the keys of upstream rows stamped later than its own latest stamp
        (`batch_watermark`), so a failed or skipped run is caught up by the next one;
      - reach-back rules of each model (a customer or product that became known, an erasure,
        a catalogue change), checked against what the model stored.
    A full build (no table yet, or --full-refresh) reads everything: the same SQL without the
    affected-key filters, so a full refresh gives the same rows by construction.
    Keys that vanish upstream are removed by `delete_vanished_keys` (a post-hook).

    Writing the incremental SQL so that it costs what is new (measured at 10M lines):
      - import a large relation once per use, each with its own filter (`new_transactions`:
        `_dlt_load_id > load_watermark()`), never one CTE read twice: DuckDB materializes a CTE
        that a query reads twice, which made a one-hour refresh parse all of bronze;
      - join the affected rows to bronze on the plain lineage columns (`lineage_match` does so
        in incremental runs), so their files reach the bronze scan as a filter;
      - where DuckDB's row estimates turn such a join around (bronze on the build side), pin
        the join sides for that model (macros/join_sides.sql).
-#}


{#- When this dbt invocation started: the stamp of every row an incremental model writes. -#}
{% macro batch_marker() -%}
    {%- set started = run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')
        if run_started_at is defined else '2000-01-01 00:00:00' -%}
    cast('{{ started }}' as {{ sql_type('timestamp') }})
{%- endmacro %}


{#- The latest `_batch_at` stored in `relation` (default: this model), or the epoch. -#}
{% macro batch_watermark(relation=none) -%}
    (
        select coalesce(max(_batch_at), cast('1970-01-01 00:00:00' as {{ sql_type('timestamp') }}))
        from {{ relation if relation is not none else this }}
    )
{%- endmacro %}


{#- The greatest bronze `_dlt_load_id` stored in this model, or '' (before every load id), as a
    literal read when the model is compiled: a constant filter on a bronze column is pushed down
    to the bronze table scan, so only the new rows go through the bronze view's JSON parsing (a
    scalar subquery would not be pushed down). -#}
{% macro load_watermark() -%}
    {%- set watermark = '' -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query('select max(_dlt_load_id) from ' ~ this) -%}
        {%- if result.rows and result.rows[0][0] is not none -%}
            {%- set watermark = result.rows[0][0] -%}
        {%- endif -%}
    {%- endif -%}
    {{ load_id_literal(watermark) }}
{%- endmacro %}


{#- `batch_watermark()` as a literal read when the model is compiled. A constant filter on
    `_batch_at` is pushed down to the scan, which skips the row groups written before: a model
    reads an upstream batch's rows without reading every stored row (a filter on the ids of the
    batch read all 10M rows of slv_transactions to keep 15k: 1.6 s at 10M lines; the literal
    filter, 0.04 s). An upstream model stamps every row of a key it rewrites, so the rows
    stamped since are all the rows of the keys it wrote. -#}
{% macro batch_watermark_literal() -%}
    {%- set watermark = '1970-01-01 00:00:00' -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query('select max(_batch_at) from ' ~ this) -%}
        {%- if result.rows and result.rows[0][0] is not none -%}
            {%- set watermark = result.rows[0][0].strftime('%Y-%m-%d %H:%M:%S.%f') -%}
        {%- endif -%}
    {%- endif -%}
    cast('{{ watermark }}' as {{ sql_type('timestamp') }})
{%- endmacro %}


{#- True when `query` returns a row, asked when the model is compiled (false when parsing). A
    model asks before it reads stored rows by key for a rare reason (a catalogue change): DuckDB
    reads every stored row for a lookup by key even when no key is looked up. -#}
{% macro returns_rows(query) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set result = run_query('select 1 from (' ~ query ~ ') as probe limit 1') -%}
    {{ return(result.rows | length > 0) }}
{%- endmacro %}


{#- The rows of `relation` a model reads (`where` narrows them): all of them in a full build
    (`watermark` none); in an incremental run those stamped after `watermark` (the model's own
    last batch, `batch_watermark_literal()`: a filter the scan prunes with), and, when
    `look_up` (the answer of `returns_rows(ids)`), the older rows whose `key` is in the query
    `ids`: a look-up by key for a rare reason, which DuckDB pays with a scan of every stored
    row, so it is only written when it finds any. -#}
{% macro stamped_rows(relation, watermark=none, ids=none, look_up=false, where=none,
    key='transaction_id') -%}
    {%- set narrowed = (where ~ ' and ') if where else '' -%}
    {%- if watermark is none -%}
        select * from {{ relation }}{{ (' where ' ~ where) if where else '' }}
    {%- else -%}
        select * from {{ relation }}
        where {{ narrowed }}_batch_at > {{ watermark }} and {{ key }} is not null
        {%- if look_up %}
        union all
        select * from {{ relation }}
        where
            {{ narrowed }}_batch_at <= {{ watermark }}
            and {{ key }} in (
                {{ ids | indent(16) }}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- A dlt load id as a SQL string literal (a constant, so a filter on `_dlt_load_id` with it is
    pushed down to the bronze scan). Also used by macros/tests/where_batch.sql. -#}
{% macro load_id_literal(load_id) -%}
    '{{ load_id | string | replace("'", "''") }}'
{%- endmacro %}


{#- Post-hook of an incremental model keyed by `key`: delete the rows whose key is no longer in
    `upstream_sql` (a query of the keys that must remain). Nothing to do in a full build.
    The hook must be a string that calls it ("{{ delete_vanished_keys(...) }}"), rendered when
    the hook runs: a call in config() runs once, at parse time, where is_incremental() is
    false, and left the hook "select 1" (until 2026-11-23 no vanished key was ever deleted). -#}
{% macro delete_vanished_keys(key, upstream_sql) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key }} not in ({{ upstream_sql }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of the incremental models keyed by transaction_id (a string, as above): delete the
    ids no longer in `upstream` (its rows with _row_status `status`, when given). A transaction
    leaves the chain only when its rows in `checked` (int_transactions__checked, which keeps
    every bronze row and rewrites those whose outcome changes) were rewritten; so only the ids
    of checked rows written since this model's previous batch are looked up. The previous batch
    is the newest stamp older than this run's (an older one only when that batch's rows were all
    rewritten since: a wider look, never a narrower one).
    The ids that remain are read from the `upstream` rows written since that batch too: checked
    rewrites every row of an id whenever it writes one, and each model of the chain rewrites
    every id of the checked rows written since its own last batch, before the models below it
    run; so an id touched since this model's previous batch that is still upstream was written
    there since. The vanished ids are then a small set (usually empty, and DuckDB reads nothing
    of this model for an empty one): looking the touched ids up in all of `upstream` and in all
    of this model instead took 0.4-1.8 s per model at 10M lines, warm. -#}
{% macro delete_vanished_transactions(upstream, status=none) -%}
    {%- set checked = ref('int_transactions__checked') -%}
    {%- if is_incremental() -%}
        {%- set previous_batch -%}
            (
                select coalesce(
                    max(stored._batch_at), cast('1970-01-01' as {{ sql_type('timestamp') }})
                )
                from {{ this }} as stored
                where stored._batch_at < {{ batch_marker() }}
            )
        {%- endset -%}
        delete from {{ this }}
        where transaction_id in (
            select touched.transaction_id
            from {{ checked }} as touched
            where touched._batch_at > {{ previous_batch }}
            except
            select remaining.transaction_id
            from {{ upstream }} as remaining
            where
                remaining._batch_at > {{ previous_batch }}
                {%- if status %}
                    and remaining._row_status = '{{ status }}'
                {%- endif %}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- In an incremental run, `<keyword> <key_column> in (the keys of the <affected> CTE)`: the
    filter that keeps a model's reads to the affected keys; nothing in a full build. The model
    defines the CTE under the same is_incremental(), one column named like `key_column`
    (unqualified): `affected_ids` of transaction ids (the default) or `affected_customers`. -#}
{% macro only_affected(key_column, affected='affected_ids', keyword='where') -%}
    {%- if is_incremental() -%}
        {%- set affected_key = key_column.split('.')[-1] -%}
        {{ keyword }} {{ key_column }} in (
            select {{ affected }}.{{ affected_key }} from {{ affected }}
        )
    {%- endif -%}
{%- endmacro %}


{#- The `key` of the rows of `relation` written since this model's last batch: an import of the
    keys an upstream batch touched (one import per use, above). -#}
{% macro keys_written_since_last_batch(relation, key='customer_id') -%}
    select {{ key }} from {{ relation }}
    where _batch_at > {{ batch_watermark() }}
{%- endmacro %}


{#- Post-hook of an incremental model that writes, for each affected key left without rows,
    one row whose `marker_column` is null: delete+insert replaced the key's stored rows with
    it, and this deletes it. Only row groups whose statistics show nulls in the column are
    read. The hook must be a string that calls it, like delete_vanished_keys. -#}
{% macro delete_retired_keys(marker_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ marker_column }} is null
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#- The rows of `order_lines` an incremental model keyed by order_date reads: all of them in a
    full build, the lines of the days `order_days_to_rebuild` names in an incremental run. -#}
{% macro order_lines_to_rebuild(order_lines) -%}
    select * from {{ order_lines }}
    {%- if is_incremental() %}
    where order_date in (
        {{ order_days_to_rebuild(order_lines) | indent(8) }}
    )
    {%- endif %}
{%- endmacro %}


{#- Post-hook of an incremental model keyed by order_date: delete the days no longer in
    `order_lines` (a string that calls it, as for delete_vanished_keys). -#}
{% macro delete_vanished_order_days(order_lines) -%}
    {{ delete_vanished_keys(
        'order_date',
        'select distinct order_date from ' ~ order_lines ~ ' where order_date is not null',
    ) }}
{%- endmacro %}


{#- A query of the order days an incremental model keyed by order_date rebuilds: the days of
    `order_lines` rows written since the model's last batch, and the days whose count of lines
    no longer matches the `order_lines` column the model stored (a re-delivered order that
    moved to another day leaves its old day short). Each import its own read of `order_lines`
    (one import per use, above). -#}
{% macro order_days_to_rebuild(order_lines) -%}
    with order_line_days as (
        select order_date from {{ order_lines }}
    ),

    new_order_line_days as (
        select order_date from {{ order_lines }}
        where _batch_at > {{ batch_watermark() }}
    ),

    previous as (
        select * from {{ this }}
    ),

    stored_day_lines as (
        select
            order_date,
            sum(order_lines) as order_lines
        from previous
        group by order_date
    ),

    current_day_lines as (
        select
            order_date,
            count(*) as order_lines
        from order_line_days
        group by order_date
    ),

    changed_days as (
        select coalesce(stored_day_lines.order_date, current_day_lines.order_date) as order_date
        from stored_day_lines
        full outer join current_day_lines
            on stored_day_lines.order_date = current_day_lines.order_date
        where stored_day_lines.order_lines is distinct from current_day_lines.order_lines
    ),

    final as (
        select order_date from new_order_line_days
        union
        select order_date from changed_days
    )

    select * from final
{%- endmacro %}
