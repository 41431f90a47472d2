{#-
    Cross-database helpers for the silver layer: lists (arrays), regular expressions and safe
    casts. Each public macro goes through adapter.dispatch: `default__` is DuckDB's SQL (the
    embedded warehouse), `spark__` is Spark SQL (3.4+), so the same models build on both.

    Every dispatcher reads `adapter.dispatch('<name>')(...) if adapter is defined else
    default__<name>(...)`: sqlfluff lints with its jinja templater, which has no `adapter`, and
    then renders the default implementation, so linting needs no warehouse connection. (dbt
    needs the macro name as a literal in adapter.dispatch: a shared helper cannot take it.)
    Names avoid dbt's own cross-db macros (array_construct, safe_cast, ...): a root-project
    `default__safe_cast` would silently override dbt's.
-#}


{#- True when dbt runs on the adapter `adapter_type` (e.g. 'duckdb'); true when linting. -#}
{% macro target_is(adapter_type) -%}
    {{ return(target.type == adapter_type if target is defined else true) }}
{%- endmacro %}


{#- The SQL type of a logical type: text, bigint, double, boolean, date, timestamp, money. -#}
{% macro sql_type(logical_type) -%}
    {{ return(adapter.dispatch('sql_type')(logical_type) if adapter is defined
        else default__sql_type(logical_type)) }}
{%- endmacro %}

{% macro default__sql_type(logical_type) -%}
    {%- set types = {
        'text': 'varchar',
        'bigint': 'bigint',
        'double': 'double',
        'boolean': 'boolean',
        'date': 'date',
        'timestamp': 'timestamp',
        'money': 'decimal(18, 3)',
    } -%}
    {{ return(types[logical_type]) }}
{%- endmacro %}

{% macro spark__sql_type(logical_type) -%}
    {%- set types = {
        'text': 'string',
        'bigint': 'bigint',
        'double': 'double',
        'boolean': 'boolean',
        'date': 'date',
        'timestamp': 'timestamp',
        'money': 'decimal(18, 3)',
    } -%}
    {{ return(types[logical_type]) }}
{%- endmacro %}


{#- A cast that gives null instead of an error when the value does not convert. -#}
{% macro try_cast_to(expression, logical_type) -%}
    {{ return(adapter.dispatch('try_cast_to')(expression, logical_type) if adapter is defined
        else default__try_cast_to(expression, logical_type)) }}
{%- endmacro %}

{% macro default__try_cast_to(expression, logical_type) -%}
    try_cast({{ expression }} as {{ sql_type(logical_type) }})
{%- endmacro %}


{#- True when the whole of `expression` matches `pattern` (write [.] rather than \. : Spark
    string literals treat backslashes as escapes). -#}
{% macro regex_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(expression, pattern) if adapter is defined
        else default__regex_full_match(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}


{#- A list (array) literal of SQL expressions. -#}
{% macro list_of(expressions) -%}
    {{ return(adapter.dispatch('list_of')(expressions) if adapter is defined
        else default__list_of(expressions)) }}
{%- endmacro %}

{% macro default__list_of(expressions) -%}
    list_value({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__list_of(expressions) -%}
    array({{ expressions | join(', ') }})
{%- endmacro %}


{#- An empty list of strings. -#}
{% macro empty_string_list() -%}
    {{ return(adapter.dispatch('empty_string_list')() if adapter is defined
        else default__empty_string_list()) }}
{%- endmacro %}

{% macro default__empty_string_list() -%}
    cast([] as varchar[])
{%- endmacro %}

{% macro spark__empty_string_list() -%}
    cast(array() as array<string>)
{%- endmacro %}


{#- The elements of `list_expression` for which `condition` (over `variable`) holds. -#}
{% macro list_where(list_expression, variable, condition) -%}
    {{ return(
        adapter.dispatch('list_where')(list_expression, variable, condition) if adapter is defined
        else default__list_where(list_expression, variable, condition)
    ) }}
{%- endmacro %}

{% macro default__list_where(list_expression, variable, condition) -%}
    list_filter({{ list_expression }}, lambda {{ variable }}: {{ condition }})
{%- endmacro %}

{% macro spark__list_where(list_expression, variable, condition) -%}
    filter({{ list_expression }}, {{ variable }} -> {{ condition }})
{%- endmacro %}


{#- `list_expression` without its null elements. -#}
{% macro list_without_nulls(list_expression) -%}
    {{ return(list_where(list_expression, 'item', 'item is not null')) }}
{%- endmacro %}


{#- Two lists one after the other. -#}
{% macro list_concat_of(first_list, second_list) -%}
    {{ return(adapter.dispatch('list_concat_of')(first_list, second_list) if adapter is defined
        else default__list_concat_of(first_list, second_list)) }}
{%- endmacro %}

{% macro default__list_concat_of(first_list, second_list) -%}
    list_concat({{ first_list }}, {{ second_list }})
{%- endmacro %}

{% macro spark__list_concat_of(first_list, second_list) -%}
    concat({{ first_list }}, {{ second_list }})
{%- endmacro %}


{#- Number of elements of a list. -#}
{% macro list_size(list_expression) -%}
    {{ return(adapter.dispatch('list_size')(list_expression) if adapter is defined
        else default__list_size(list_expression)) }}
{%- endmacro %}

{% macro default__list_size(list_expression) -%}
    len({{ list_expression }})
{%- endmacro %}

{% macro spark__list_size(list_expression) -%}
    size({{ list_expression }})
{%- endmacro %}


{#- The 1-based `position`-th element of a list (null when out of range). -#}
{% macro list_item(list_expression, position) -%}
    {{ return(adapter.dispatch('list_item')(list_expression, position) if adapter is defined
        else default__list_item(list_expression, position)) }}
{%- endmacro %}

{% macro default__list_item(list_expression, position) -%}
    {{ list_expression }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_item(list_expression, position) -%}
    try_element_at({{ list_expression }}, {{ position }})
{%- endmacro %}


{#- True when the list contains `value`. -#}
{% macro list_has(list_expression, value) -%}
    {{ return(adapter.dispatch('list_has')(list_expression, value) if adapter is defined
        else default__list_has(list_expression, value)) }}
{%- endmacro %}

{% macro default__list_has(list_expression, value) -%}
    list_contains({{ list_expression }}, {{ value }})
{%- endmacro %}

{% macro spark__list_has(list_expression, value) -%}
    array_contains({{ list_expression }}, {{ value }})
{%- endmacro %}


{#- ` filter (where <condition>)` after an aggregate (both engines), or nothing. -#}
{% macro agg_filter(condition) -%}
    {%- if condition is not none %} filter (where {{ condition }}){% endif -%}
{%- endmacro %}


{#- Aggregate: the concatenation of the lists of a group, in `order_by` order; with `only_when`,
    of the rows where that condition holds (null when none does). The (position, list) pairs
    are collected unordered and sorted after: DuckDB's ordered aggregate (`list(... order by
    ...)`) sorted every row of every group, filtered out or not (8.4 of 9.2 s for the line
    summaries of 30M transaction lines). -#}
{% macro flatten_agg(list_expression, order_by, only_when=none) -%}
    {{ return(
        adapter.dispatch('flatten_agg')(list_expression, order_by, only_when)
        if adapter is defined
        else default__flatten_agg(list_expression, order_by, only_when)
    ) }}
{%- endmacro %}

{% macro default__flatten_agg(list_expression, order_by, only_when=none) -%}
    flatten(list_transform(
        list_sort(
            list(
                struct_pack(sort_key := {{ order_by }}, items := {{ list_expression }})
            ){{ agg_filter(only_when) }}
        ),
        pair -> pair.items
    ))
{%- endmacro %}

{% macro spark__flatten_agg(list_expression, order_by, only_when=none) -%}
    flatten(transform(
        array_sort(
            collect_list(
                struct({{ order_by }} as sort_key, {{ list_expression }} as items)
            ){{ agg_filter(only_when) }}
        ),
        pair -> pair.items
    ))
{%- endmacro %}


{#- A 64-bit hash of the columns together: equal values, equal hash (nulls included). -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash')(columns) if adapter is defined
        else default__row_hash(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}


{#- A number in [0, buckets) from the hash of the columns: equal values, equal bucket. -#}
{% macro hash_bucket(columns, buckets) -%}
    {{ return(adapter.dispatch('hash_bucket')(columns, buckets) if adapter is defined
        else default__hash_bucket(columns, buckets)) }}
{%- endmacro %}

{% macro default__hash_bucket(columns, buckets) -%}
    {{ row_hash(columns) }} % {{ buckets }}
{%- endmacro %}

{% macro spark__hash_bucket(columns, buckets) -%}
    {#- the hash is signed there: pmod keeps the bucket non-negative -#}
    pmod({{ row_hash(columns) }}, {{ buckets }})
{%- endmacro %}
