{#-
    Customer rules (see _rules.sql). Columns: those of brz_customers.
    Personal fields (erasure_personal_fields('customers')) are not checked for erased subjects.
-#}
{% macro customer_rules() -%}
    {{ return([
        {'field': 'id', 'check': 'required', 'when': rule_missing('id')},
        {'field': 'id', 'check': 'must be a string of digits',
            'when': rule_not_matching('id', '[0-9]+')},
        {'field': 'first_name', 'check': 'required', 'when': rule_missing('first_name')},
        {'field': 'first_name', 'check': 'must be a string', 'when': rule_invalid('first_name')},
        {'field': 'last_name', 'check': 'required', 'when': rule_missing('last_name')},
        {'field': 'last_name', 'check': 'must be a string', 'when': rule_invalid('last_name')},
        {'field': 'email', 'check': 'required', 'when': rule_missing('email')},
        {'field': 'email', 'check': 'must be an email address',
            'when': rule_not_matching('email', '[^@ ]+@[^@ ]+[.][^@ ]+')},
        {'field': 'date_of_birth', 'check': 'must be a date (YYYY-MM-DD)',
            'when': rule_invalid('date_of_birth')},
        {'field': 'phone_number', 'check': 'must be a string', 'when': rule_invalid('phone_number')},
        {'field': 'address', 'check': 'must be a string', 'when': rule_invalid('address')},
        {'field': 'city', 'check': 'must be a string', 'when': rule_invalid('city')},
        {'field': 'postcode', 'check': 'must be a string', 'when': rule_invalid('postcode')},
        {'field': 'country', 'check': 'required', 'when': rule_missing('country')},
        {'field': 'country', 'check': 'must be a string', 'when': rule_invalid('country')},
        {'field': 'last_change', 'check': 'must be a date (YYYY-MM-DD)',
            'when': rule_invalid('last_change')},
        {'field': 'segment', 'check': 'must be a string', 'when': rule_invalid('segment')},
    ]) }}
{%- endmacro %}
