{#- One row per bronze transactions line; every field typed (macros/bronze.sql), fields in
    macros/bronze_fields.sql. -#}
{{ bronze_model('transactions', bronze_fields('transactions'), kafka_table='kafka_transactions') }}
