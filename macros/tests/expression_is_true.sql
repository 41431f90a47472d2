{#- Generic test: `expression` (SQL over the model's columns) holds on every row. -#}
{% test expression_is_true(model, expression, column_name=none) %}

select * from {{ model }}
where not ({{ expression }})

{% endtest %}
