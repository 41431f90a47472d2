{#-
    Cross-database helpers for the gold layer. They wrap dbt's own cross-database macros
    (dbt.date_trunc, dbt.datediff, dbt.hash, dbt.type_*), which dispatch per adapter, and add
    adapter.dispatch macros where dbt has none (unnesting a list).

    sqlfluff lints with its jinja templater, which knows neither `dbt` nor `adapter`: each macro
    then renders DuckDB's SQL (`... if dbt is defined else ...`), as macros/cross_db.sql does.
-#}


{#- The SQL type of a gold column: string, bigint, double, boolean, timestamp, date or money
    (decimal(18, 3), the silver layer's amounts). dbt.type_* where dbt's choice is right;
    dbt.type_float() is not used: it is a 4-byte float on DuckDB. -#}
{% macro gold_type(logical_type) -%}
    {{ return(adapter.dispatch('gold_type')(logical_type) if adapter is defined
        else default__gold_type(logical_type)) }}
{%- endmacro %}

{% macro default__gold_type(logical_type) -%}
    {%- if logical_type == 'string' -%}
        {{ return(dbt.type_string() | trim | lower if dbt is defined else 'varchar') }}
    {%- elif logical_type == 'bigint' -%}
        {{ return(dbt.type_bigint() | trim | lower if dbt is defined else 'bigint') }}
    {%- elif logical_type == 'boolean' -%}
        {{ return(dbt.type_boolean() | trim | lower if dbt is defined else 'boolean') }}
    {%- elif logical_type == 'timestamp' -%}
        {{ return(dbt.type_timestamp() | trim | lower if dbt is defined else 'timestamp') }}
    {%- elif logical_type == 'double' -%}
        {{ return('double') }}
    {%- elif logical_type == 'date' -%}
        {{ return('date') }}
    {%- elif logical_type == 'money' -%}
        {{ return(sql_type('money')) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('gold_type: unknown type ' ~ logical_type) }}
    {%- endif -%}
{%- endmacro %}

{#- `cast(expression as <gold type>)`: the final projection of every gold model, so the model's
    types are exactly its contract's. -#}
{% macro gold_cast(expression, logical_type) -%}
    cast({{ expression }} as {{ gold_type(logical_type) }})
{%- endmacro %}


{#- The calendar date of a timestamp. -#}
{% macro gold_date_of(timestamp_expression) -%}
    {%- if dbt is defined -%}
        cast({{ dbt.date_trunc('day', timestamp_expression) }} as date)
    {%- else -%}
        cast(date_trunc('day', {{ timestamp_expression }}) as date)
    {%- endif -%}
{%- endmacro %}


{#- Whole days from `first_date` to `second_date`. -#}
{% macro gold_days_between(first_date, second_date) -%}
    {%- if dbt is defined -%}
        {{ dbt.datediff(first_date, second_date, 'day') }}
    {%- else -%}
        date_diff('day', {{ first_date }}, {{ second_date }})
    {%- endif -%}
{%- endmacro %}


{#- A stable hex digest of a value (md5): deterministic splits such as the holdout. -#}
{% macro gold_hash(expression) -%}
    {%- if dbt is defined -%}
        {{ dbt.hash(expression) }}
    {%- else -%}
        md5(cast({{ expression }} as varchar))
    {%- endif -%}
{%- endmacro %}


{#- FROM-clause fragment: one row per element of the list column `list_expression`, the element
    in `element` (rows whose list is null or empty produce no row). -#}
{% macro gold_unnest_list(list_expression, alias, element) -%}
    {{ return(adapter.dispatch('gold_unnest_list')(list_expression, alias, element)
        if adapter is defined else default__gold_unnest_list(list_expression, alias, element)) }}
{%- endmacro %}

{% macro default__gold_unnest_list(list_expression, alias, element) -%}
    cross join unnest({{ list_expression }}) as {{ alias }} ({{ element }})
{%- endmacro %}

{% macro spark__gold_unnest_list(list_expression, alias, element) -%}
    lateral view explode({{ list_expression }}) {{ alias }} as {{ element }}
{%- endmacro %}


{#- 1-based position of `substring_text` in `string_text` (0 when absent); both SQL expressions. -#}
{% macro gold_position(substring_text, string_text) -%}
    {%- if dbt is defined -%}
        {{ dbt.position(substring_text, string_text) }}
    {%- else -%}
        position({{ substring_text }} in {{ string_text }})
    {%- endif -%}
{%- endmacro %}
