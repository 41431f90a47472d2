{#-
    The fields of each landing entity's records: what its bronze model (models/bronze/brz_<entity>.sql)
    extracts and types (macros/bronze.sql: path, type, optional column), what models that parse
    only some of its rows use (int_transactions__checked), and what the run record's
    schema-drift check expects (medallion/record/drift.py reads this literal without rendering
    it, so the models and the report cannot disagree). Paths starting with `_` are the erasure
    finaliser's markers.
-#}
{% macro bronze_fields(entity) -%}
    {%- set fields = {
        'customers': [
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
            {'path': '_erased_email_hash', 'type': 'text'},
        ],
        'products': [
            {'path': 'sku', 'type': 'bigint'},
            {'path': 'name', 'type': 'text'},
            {'path': 'price', 'type': 'money'},
            {'path': 'category', 'type': 'text'},
            {'path': 'popularity', 'type': 'double'},
        ],
        'transactions': [
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
        ],
        'erasure_requests': [
            {'path': 'customer-id', 'type': 'text'},
            {'path': 'email', 'type': 'text'},
            {'path': '_erased_subject', 'type': 'object'},
            {'path': '_erased_subject.id_hash', 'type': 'text'},
            {'path': '_erased_subject.email_hash', 'type': 'text'},
        ],
    } -%}
    {{ return(fields[entity]) }}
{%- endmacro %}
