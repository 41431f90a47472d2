{#- One row per bronze erasure-requests line; every field typed (macros/bronze.sql), fields in
    macros/bronze_fields.sql. -#}
{{ bronze_model(
    'erasure_requests', bronze_fields('erasure_requests'), kafka_table='kafka_erasure_requests'
) }}
