{#- One row per bronze customers line; every field typed (macros/bronze.sql), fields in
    macros/bronze_fields.sql. -#}
{{ bronze_model('customers', bronze_fields('customers'), kafka_table='kafka_customers') }}
