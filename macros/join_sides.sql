{#-
    Hooks that pin join sides for one model. DuckDB swaps a join's build and probe sides by its
    row estimates (the `build_side_probe_side` optimizer). Joins on lineage keys and on computed
    hashes inflate those estimates a thousandfold, so in an incremental run of
    int_transactions__checked it put bronze (every row parsed, 10M) on the build side of its join
    with the few affected rows: 131 s instead of 6 s at 10M lines. Pinned, the right side of each
    join is its build side, as written. Models opt in (a pre_hook and a post_hook that puts the
    setting back); across the whole build it made as many models slower as faster. The setting
    is the database's: with more than one dbt thread (MEDALLION_DBT_THREADS) it also holds for
    a model built beside the pinned one.
    Other engines: nothing to pin.
-#}


{% macro pin_join_sides() -%}
    {{ return(adapter.dispatch('pin_join_sides')() if adapter is defined
        else default__pin_join_sides()) }}
{%- endmacro %}

{% macro default__pin_join_sides() -%}
    set disabled_optimizers = 'build_side_probe_side'
{%- endmacro %}

{% macro spark__pin_join_sides() -%}
    select 1
{%- endmacro %}


{% macro unpin_join_sides() -%}
    {{ return(adapter.dispatch('unpin_join_sides')() if adapter is defined
        else default__unpin_join_sides()) }}
{%- endmacro %}

{% macro default__unpin_join_sides() -%}
    reset disabled_optimizers
{%- endmacro %}

{% macro spark__unpin_join_sides() -%}
    select 1
{%- endmacro %}
