{#-
    The customer segment model (models/gold/intermediate/int_segment_model_scores.sql): nearest
    centroid of the category shares of a customer's spend. Its version is written on every
    prediction and accuracy row; bump it when the features, the distance, the confidence or
    the holdout change.
-#}
{% macro segment_model_version() -%}
    {{ return('category-share-centroid-v1') }}
{%- endmacro %}


{#- SQL condition: the customer is in the model's holdout (about a quarter of the customers: the
    md5 of the id starts with 0-3). Deterministic, independent of the data around it. -#}
{% macro segment_model_holdout(customer_id) -%}
    substr({{ gold_hash(customer_id) }}, 1, 1) in ('0', '1', '2', '3')
{%- endmacro %}
