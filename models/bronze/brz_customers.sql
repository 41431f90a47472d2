{#- One row per bronze customers line; every field typed (see macros/bronze.sql). -#}
{%- set fields = [
    {'path': 'id', 'type': 'text'},
    {'path': 'first_name', 'type': 'text'},
    {'path': 'last_name', 'type': 'text'},
    {'path': 'date_of_birth', 'type': 'date'},
    {'path': 'email', 'type': 'text'},
    {'path': 'phone_number', 'type': 'text'},
    {'path': 'address', 'type': 'text'},
    {'path': 'city', 'type': 'text'},
    {'path': 'country', 'type': 'text'},
    {'path': 'postcode', 'type': 'text'},
    {'path': 'last_change', 'type': 'date'},
    {'path': 'segment', 'type': 'text'},
    {'path': '_erased', 'type': 'boolean'},
    {'path': '_erased_errors', 'type': 'text'},
] -%}

{{ bronze_model('customers', fields, kafka_table='kafka_customers') }}
