{#- One row per bronze erasure-requests line; every field typed (see macros/bronze.sql). -#}
{%- set fields = [
    {'path': 'customer-id', 'type': 'text'},
    {'path': 'email', 'type': 'text'},
    {'path': '_erased_subject', 'type': 'object'},
    {'path': '_erased_subject.id_hash', 'type': 'text'},
    {'path': '_erased_subject.email_hash', 'type': 'text'},
] -%}

{{ bronze_model('erasure_requests', fields, kafka_table='kafka_erasure_requests') }}
