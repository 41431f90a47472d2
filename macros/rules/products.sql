{#-
    Product rules (see _rules.sql). Columns: those of brz_products.
    Decisions (docs/silver_rules.md): a null name is allowed (the product stays, name null);
    a zero price and a price with 3 decimals ("46.001") are errors: the product is quarantined
    and transactions that bought it are kept, flagged on their lines.
-#}
{% macro product_rules() -%}
    {{ return([
        {'field': 'sku', 'check': 'required', 'when': rule_missing('sku')},
        {'field': 'sku', 'check': 'must be an integer', 'when': rule_invalid('sku')},
        {'field': 'name', 'check': 'must be a string', 'when': rule_invalid('name')},
        {'field': 'price', 'check': 'required', 'when': rule_missing('price')},
        {'field': 'price', 'check': 'must be a decimal string', 'when': rule_invalid('price')},
        {'field': 'price', 'check': 'must be > 0', 'when': 'price <= 0'},
        {'field': 'price', 'check': 'at most 2 decimals', 'when': rule_over_two_decimals('price')},
        {'field': 'category', 'check': 'must be a string', 'when': rule_invalid('category')},
        {'field': 'popularity', 'check': 'must be a number', 'when': rule_invalid('popularity')},
        {'field': 'popularity', 'check': 'must be between 0 and 1',
            'when': 'popularity < 0 or popularity > 1'},
    ]) }}
{%- endmacro %}
