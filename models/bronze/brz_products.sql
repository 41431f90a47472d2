{#- One row per bronze products line; every field typed (see macros/bronze.sql). -#}
{%- set fields = [
    {'path': 'sku', 'type': 'bigint'},
    {'path': 'name', 'type': 'text'},
    {'path': 'price', 'type': 'money'},
    {'path': 'category', 'type': 'text'},
    {'path': 'popularity', 'type': 'double'},
] -%}

{{ bronze_model('products', fields, kafka_table='kafka_products') }}
