{#- Generic test: `column_name` is null on every row where `condition` holds (e.g. personal
    fields of erased subjects). -#}
{% test null_when(model, column_name, condition) %}

select * from {{ model }}
where ({{ condition }}) and {{ column_name }} is not null

{% endtest %}
