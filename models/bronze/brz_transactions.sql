{#- One row per bronze transactions line; every field typed (see macros/bronze.sql). -#}
{%- set fields = [
    {'path': 'transaction_id', 'type': 'text'},
    {'path': 'transaction_time', 'type': 'timestamp'},
    {'path': 'customer_id', 'type': 'text'},
    {'path': 'delivery_address', 'type': 'object'},
    {'path': 'delivery_address.address', 'type': 'text'},
    {'path': 'delivery_address.postcode', 'type': 'text'},
    {'path': 'delivery_address.city', 'type': 'text'},
    {'path': 'delivery_address.country', 'type': 'text'},
    {'path': 'purchases', 'type': 'object'},
    {'path': 'purchases.products', 'type': 'array'},
    {'path': 'purchases.total_cost', 'type': 'money'},
    {'path': '_erased', 'type': 'boolean'},
] -%}

{{ bronze_model('transactions', fields, kafka_table='kafka_transactions') }}
