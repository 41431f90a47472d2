{#- Generic test on a model or source: none of `columns` is null. Failing rows show the tested
    columns, so which one is null can be read off them.
    One test node for what would be one `not_null` node per column: a one-hour refresh at 10M
    lines ran 468 test nodes, ~16 ms of dbt's own work each whatever the node reads, and 236 of
    them were not_null tests of single columns (README, benchmark). Primary keys keep their
    own `not_null` test next to `unique`; a test with its own `where` (e.g. "not is_erased")
    stays a `not_null` test of its column. -#}
{% test not_null_columns(model, columns) %}

select {{ columns | join(', ') }}
from {{ model }}
where
    {% for column in columns -%}
        {{ column }} is null{{ ' or' if not loop.last }}
    {% endfor %}

{% endtest %}
