{#-
    dbt's `where` test config, with one placeholder: __this_batch__ (set for every test in
    dbt_project.yml). In a `dbt build`, on an incremental model (each stamps its rows with
    `_batch_at`, macros/incremental.sql), it keeps the rows this build wrote; elsewhere, and in
    every `dbt test`, it keeps every row. So a refresh tests what it wrote, not the whole
    history; a full build (every row stamped by it) and `dbt test` test everything. This is
    enough for what the tests of the incremental models
    check: per-row rules, references to other models, and uniqueness of keys that each run
    rewrites whole (delete+insert by unique_key replaces every stored row of a key it writes).
    A test over the whole table (gold's equal_sum) sets its own `where: "true"`.
    Overrides dbt's get_where_subquery (dbt/include/global_project/macros/materializations/
    tests/where_subquery.sql), which generic tests call on the model they test.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__this_batch__' in where -%}
        {%- set batch_filter = 'true' -%}
        {%- if execute and flags.WHICH == 'build' and is_incremental_model(relation) -%}
            {%- set batch_filter = '_batch_at = ' ~ batch_marker() -%}
        {%- endif -%}
        {%- set where = where | replace('__this_batch__', batch_filter) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- True when `relation` is an incremental model of this project (read from the manifest, so no
    query per test). -#}
{% macro is_incremental_model(relation) -%}
    {%- set found = namespace(incremental=false) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.config.materialized == 'incremental'
            and (node.alias or node.name) | lower == relation.identifier | lower
            and node.schema | lower == relation.schema | lower -%}
            {%- set found.incremental = true -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found.incremental) }}
{%- endmacro %}
