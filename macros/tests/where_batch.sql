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
    unique and unique_combination tests always read the whole relation.
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
        {%- if is_incremental_model(relation) -%}
            {{ return('_batch_at = ' ~ batch_marker()) }}
        {%- elif is_untested_bronze_scope(relation) -%}
            {{ return('_dlt_load_id > ' ~ load_id_literal(bronze_tested_through())) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('true') }}
{%- endmacro %}


{#- The newest bronze load a build has tested (see above), or '' when the runner named none. -#}
{% macro bronze_tested_through() -%}
    {{ return(env_var('MEDALLION_BRONZE_TESTED_THROUGH', '')) }}
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


{#- True when a build may test only the new loads of `relation`: the runner named the loads
    already tested, `relation` is a bronze table or view with lineage to dlt loads, and the test
    (the node being compiled, `model`) is not a key-uniqueness test. -#}
{% macro is_untested_bronze_scope(relation) -%}
    {%- if not bronze_tested_through() or relation.schema | lower != 'bronze' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set metadata = model.test_metadata if model.test_metadata is defined else none -%}
    {%- set test_name = metadata.name if metadata else none -%}
    {%- if test_name in ('unique', 'unique_combination') -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') -%}
    {{ return('_dlt_load_id' in columns | map('lower') | list) }}
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
