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
    Bronze (tables and views with `_dlt_load_id`): when the runner sets the environment variable
    MEDALLION_BRONZE_TESTED_THROUGH (the newest load a successful build of the whole project with
    the same code has tested, medallion/build_state.py), a build tests only the rows of newer
    loads. An environment variable read at run time, not a dbt variable: a changed --vars value
    makes dbt parse the whole project again (~5 s at every refresh).
    Bronze rows are only ever appended (erasure nulls personal fields, which no bronze test
    reads as a failure). Key uniqueness is the exception: a new row can repeat an old key, so
    unique and unique_combination tests read every row, old or new, whose key a new load holds
    (or with a null in the key). A duplicate among the tested loads alone was there when they
    were tested. The key is matched with IN, not a correlated EXISTS: DuckDB then scans the
    relation once against a small hash table (10M bronze lines: 0.1 s, against 3.3 s for the
    whole-table test).
    Overrides dbt's get_where_subquery (dbt/include/global_project/macros/materializations/
    tests/where_subquery.sql), which generic tests call on the model they test.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__this_batch__' in where -%}
        {%- set where = where | replace('__this_batch__', this_batch_filter(relation)) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- The filter __this_batch__ stands for on `relation` (see above): the rows this build wrote
    or loaded, or 'true'. Singular tests call it on the models they read. -#}
{% macro this_batch_filter(relation) -%}
    {%- if execute and flags.WHICH == 'build' -%}
        {%- set node = tested_node(relation) -%}
        {%- if is_incremental_model(node) -%}
            {{ return('_batch_at = ' ~ batch_marker()) }}
        {%- elif is_untested_bronze(node) -%}
            {%- set new_loads = '_dlt_load_id > ' ~ load_id_literal(bronze_tested_through()) -%}
            {%- set key = uniqueness_test_key() -%}
            {%- if key -%}
                {{ return(rows_sharing_key(relation, key, new_loads)) }}
            {%- endif -%}
            {{ return(new_loads) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('true') }}
{%- endmacro %}


{#- The newest bronze load a build has tested (see above), or '' when the runner named none. -#}
{% macro bronze_tested_through() -%}
    {{ return(env_var('MEDALLION_BRONZE_TESTED_THROUGH', '')) }}
{%- endmacro %}


{#- The manifest node (model or source) of `relation` among those the node being compiled (a
    test, `model`) depends on, or none. Its dependencies, not the whole graph: this runs for
    every test, and a loop over all ~650 nodes cost each test's compilation a few milliseconds. -#}
{% macro tested_node(relation) -%}
    {%- for unique_id in model.depends_on.nodes -%}
        {%- set node = graph.nodes.get(unique_id) or graph.sources.get(unique_id) -%}
        {%- if node
            and (node.alias or node.identifier or node.name) | lower == relation.identifier | lower
            and node.schema | lower == relation.schema | lower -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- True when `node` is an incremental model. -#}
{% macro is_incremental_model(node) -%}
    {{ return(node is not none
        and node.resource_type == 'model'
        and node.config.materialized == 'incremental') }}
{%- endmacro %}


{#- True when a build may test only the new loads of `node`: the runner named the loads already
    tested, and `node` is a bronze table or view with lineage to dlt loads (a documented
    `_dlt_load_id` column, read from the manifest, so no query per test). -#}
{% macro is_untested_bronze(node) -%}
    {{ return(bronze_tested_through() != ''
        and node is not none
        and node.schema | lower == 'bronze'
        and '_dlt_load_id' in node.columns) }}
{%- endmacro %}


{#- The columns whose uniqueness the test being compiled checks, or none for other tests. -#}
{% macro uniqueness_test_key() -%}
    {%- set metadata = model.test_metadata if model.test_metadata is defined else none -%}
    {%- if metadata and metadata.name == 'unique' -%}
        {{ return([metadata.kwargs.column_name]) }}
    {%- elif metadata and metadata.name == 'unique_combination' -%}
        {{ return(metadata.kwargs.columns) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- The rows of `relation` whose `key` some row matching `new_rows` holds, or with a null in
    the key (see above). -#}
{% macro rows_sharing_key(relation, key, new_rows) -%}
    {%- set columns = key | join(', ') -%}
    {%- set null_checks = [] -%}
    {%- for column in key -%}
        {%- do null_checks.append(column ~ ' is null') -%}
    {%- endfor -%}
    {{ return('((' ~ columns ~ ') in (select ' ~ columns ~ ' from ' ~ relation ~ ' where '
        ~ new_rows ~ ') or ' ~ null_checks | join(' or ') ~ ')') }}
{%- endmacro %}

{#- True when every row of `relation` is in this build's batch (`this_batch_filter`): always
    outside a build, and in the build that created or fully rebuilt an incremental model. A
    singular test then reads the whole relation instead of scoping it by ids, which in such a
    build would hold every id in a hash table. One count per call, when the test compiles. -#}
{% macro batch_is_whole(relation) -%}
    {%- set filter = this_batch_filter(relation) -%}
    {%- if filter == 'true' or not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set outside -%}
        select count(*) from {{ relation }} where not coalesce({{ filter }}, false)
    {%- endset -%}
    {{ return(run_query(outside).columns[0].values()[0] == 0) }}
{%- endmacro %}
