{#-
    One row per bronze customers line with only the fields that identify the customer: id,
    email and the erasure finaliser's markers. The same rows and typing as brz_customers (the same
    macro, three of its fields), for the models that only look customers up (known ids, erased
    subjects): a view parses every field of each row it reads, and these readers are many.
-#}
{%- set fields = [
    {'path': 'id', 'type': 'text'},
    {'path': 'email', 'type': 'text'},
    {'path': '_erased', 'type': 'boolean'},
    {'path': '_erased_email_hash', 'type': 'text'},
] -%}

{{ bronze_model('customers', fields, kafka_table='kafka_customers', unknown_fields=false) }}
