{#- Generic test: the list (array) column holds at least one element on every row. -#}
{% test non_empty_list(model, column_name) %}

select * from {{ model }}
where {{ column_name }} is null or {{ list_size(column_name) }} = 0

{% endtest %}
