{#- One row per bronze products line; every field typed (macros/bronze.sql), fields in
    macros/bronze_fields.sql. -#}
{{ bronze_model('products', bronze_fields('products'), kafka_table='kafka_products') }}
