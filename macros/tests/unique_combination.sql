{#- Generic test: the combination of `columns` is unique (dbt_utils is not reachable here). -#}
{% test unique_combination(model, columns) %}

with grouped as (
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
)

select * from grouped
where occurrences > 1

{% endtest %}
