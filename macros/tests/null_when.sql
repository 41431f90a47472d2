{#- Generic test: `column_name` is null on every row where `condition` holds (e.g. personal
    fields of erased subjects). On a model, `columns` tests several columns in one node (one
    test node costs dbt ~16 ms at 10M lines whatever it reads; macros/tests/not_null_columns.sql):
    a failing row has one of them set. -#}
{% test null_when(model, condition, column_name=none, columns=none) %}

{%- set tested = columns if columns else [column_name] %}
select * from {{ model }}
where
    ({{ condition }})
    and (
        {% for column in tested -%}
            {{ column }} is not null{{ ' or' if not loop.last }}
        {% endfor %}
    )

{% endtest %}
