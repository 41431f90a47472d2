{#-
    Hooks that run one model's full build on one DuckDB thread. DuckDB's window operator keeps
    a buffer for each of its hash groups on every thread (duckdb/duckdb#7808), so memory grows
    with the thread count, not with the rows: at 10M transactions and a 1.2 GB memory limit the
    full build of int_transactions__checked (its de-duplication window over every bronze row)
    ran out of memory on 2 threads and passed on 1 (269 s instead of ~170 s). An incremental run
    ranks only the affected rows and keeps every thread. The setting is the database's, so a
    model built beside it runs on one thread too; the post-hook puts the default back.
    Other engines: nothing to change.
-#}


{% macro one_thread() -%}
    {{ return(adapter.dispatch('one_thread')() if adapter is defined
        else default__one_thread()) }}
{%- endmacro %}

{% macro default__one_thread() -%}
    set threads = 1
{%- endmacro %}

{% macro spark__one_thread() -%}
    select 1
{%- endmacro %}


{% macro all_threads() -%}
    {{ return(adapter.dispatch('all_threads')() if adapter is defined
        else default__all_threads()) }}
{%- endmacro %}

{% macro default__all_threads() -%}
    reset threads
{%- endmacro %}

{% macro spark__all_threads() -%}
    select 1
{%- endmacro %}
