{#- Generic test: the list (array) column is empty (or null) on every row, e.g. no unknown
    fields in bronze records (schema drift; use with severity warn). -#}
{% test empty_list(model, column_name) %}

select {{ column_name }} from {{ model }}
where {{ column_name }} is not null and {{ list_size(column_name) }} > 0

{% endtest %}
