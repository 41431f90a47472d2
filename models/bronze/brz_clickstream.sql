{#- One row per message of the clickstream topic (website events); every field typed (see
    macros/bronze.sql). The topic has no landing files: Kafka only. -#}
{%- set fields = [
    {'path': 'event_id', 'type': 'text'},
    {'path': 'event_type', 'type': 'text'},
    {'path': 'event_time', 'type': 'timestamp'},
    {'path': 'session_id', 'type': 'text'},
    {'path': 'customer_id', 'type': 'text'},
    {'path': 'url', 'type': 'text'},
    {'path': 'referrer', 'type': 'text'},
    {'path': 'user_agent', 'type': 'text'},
    {'path': 'product_sku', 'type': 'text'},
    {'path': 'search_query', 'type': 'text'},
    {'path': 'order_id', 'type': 'text'},
    {'path': '_erased', 'type': 'boolean'},
] -%}

{{ bronze_model(none, fields, kafka_table='kafka_clickstream') }}
