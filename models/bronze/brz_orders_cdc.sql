{#- One row per message of the orders_cdc topic (order database change events); every field
    typed (see macros/bronze.sql). The topic has no landing files: Kafka only. -#}
{%- set fields = [
    {'path': 'change_id', 'type': 'text'},
    {'path': 'op', 'type': 'text'},
    {'path': 'order_id', 'type': 'text'},
    {'path': 'ts', 'type': 'timestamp'},
    {'path': 'status', 'type': 'text'},
    {'path': 'amount', 'type': 'money'},
    {'path': 'currency', 'type': 'text'},
    {'path': 'customer_id', 'type': 'text'},
    {'path': '_erased', 'type': 'boolean'},
] -%}

{{ bronze_model(none, fields, kafka_table='kafka_orders_cdc') }}
