{#-
    Transaction rules (see _rules.sql).

    transaction_rules(): one bronze transactions row. Columns: those of brz_transactions plus
      customer_key       customer_id trimmed (null when blank)
      is_known_customer  the customer id appears in bronze customers (any version, valid or not)
      line_count         number of elements of purchases.products (0 when not an array)
      lines_total        sum of the line totals (null when a line total is not valid)
    A reference to a customer that is in bronze but quarantined is NOT an error: the silver
    transaction carries is_customer_quarantined instead (docs/silver_rules.md).

    transaction_line_rules(): one element of purchases.products. Columns: those of
    int_transaction_lines (element fields as bronze columns: line (the element itself), sku,
    quanitity, price, total) plus
      is_known_product   the sku appears in bronze products (any version, valid or not)
    Their errors read "lines[<n>].<field>: <check>" with n the 1-based position in
    purchases.products and `quantity` for the source's misspelled `quanitity`. A line price that
    differs from the catalogue price is not an error (flag on silver lines).
-#}
{% macro transaction_rules() -%}
    {{ return([
        {'field': 'transaction_id', 'check': 'required', 'when': rule_missing('transaction_id')},
        {'field': 'transaction_id', 'check': 'must be a UUID',
            'when': rule_not_matching('transaction_id',
                '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')},
        {'field': 'transaction_time', 'check': 'required', 'when': rule_missing('transaction_time')},
        {'field': 'transaction_time', 'check': 'must be a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff])',
            'when': rule_invalid('transaction_time')},
        {'field': 'customer_id', 'check': 'required', 'when': rule_missing('customer_id')},
        {'field': 'customer_id', 'check': 'must be a string', 'when': rule_invalid('customer_id')},
        {'field': 'customer_id', 'check': 'unknown customer',
            'when': 'customer_key is not null and not is_known_customer'},
        {'field': 'delivery_address', 'check': 'must be an object',
            'when': rule_invalid('delivery_address')},
        {'field': 'delivery_address.address', 'check': 'must be a string',
            'when': rule_invalid('delivery_address_address')},
        {'field': 'delivery_address.postcode', 'check': 'must be a string',
            'when': rule_invalid('delivery_address_postcode')},
        {'field': 'delivery_address.city', 'check': 'must be a string',
            'when': rule_invalid('delivery_address_city')},
        {'field': 'delivery_address.country', 'check': 'must be a string',
            'when': rule_invalid('delivery_address_country')},
        {'field': 'purchases', 'check': 'required', 'when': rule_missing('purchases')},
        {'field': 'purchases', 'check': 'must be an object', 'when': rule_invalid('purchases')},
        {'field': 'purchases.products', 'check': 'required',
            'when': 'purchases is not null and ' ~ rule_missing('purchases_products')},
        {'field': 'purchases.products', 'check': 'must be an array',
            'when': rule_invalid('purchases_products')},
        {'field': 'purchases.products', 'check': 'must not be empty',
            'when': 'purchases_products is not null and line_count = 0'},
        {'field': 'purchases.total_cost', 'check': 'required',
            'when': 'purchases is not null and ' ~ rule_missing('purchases_total_cost')},
        {'field': 'purchases.total_cost', 'check': 'must be a decimal string',
            'when': rule_invalid('purchases_total_cost')},
        {'field': 'purchases.total_cost', 'check': 'must be >= 0',
            'when': 'purchases_total_cost < 0'},
        {'field': 'purchases.total_cost', 'check': 'at most 2 decimals',
            'when': rule_over_two_decimals('purchases_total_cost')},
        {'field': 'purchases.total_cost', 'check': 'must equal the sum of the line totals',
            'when': 'purchases_total_cost <> lines_total'},
    ]) }}
{%- endmacro %}


{% macro transaction_line_rules() -%}
    {{ return([
        {'field': '', 'check': 'must be an object', 'when': rule_invalid('line')},
        {'field': 'sku', 'check': 'required', 'when': rule_missing('sku')},
        {'field': 'sku', 'check': 'must be an integer', 'when': rule_invalid('sku')},
        {'field': 'sku', 'check': 'unknown product', 'when': 'sku is not null and not is_known_product'},
        {'field': 'quantity', 'check': 'required', 'when': rule_missing('quanitity')},
        {'field': 'quantity', 'check': 'must be an integer', 'when': rule_invalid('quanitity')},
        {'field': 'quantity', 'check': 'must be > 0', 'when': 'quanitity <= 0'},
        {'field': 'price', 'check': 'required', 'when': rule_missing('price')},
        {'field': 'price', 'check': 'must be a decimal string', 'when': rule_invalid('price')},
        {'field': 'price', 'check': 'must be >= 0', 'when': 'price < 0'},
        {'field': 'price', 'check': 'at most 2 decimals', 'when': rule_over_two_decimals('price')},
        {'field': 'total', 'check': 'required', 'when': rule_missing('total')},
        {'field': 'total', 'check': 'must be a decimal string', 'when': rule_invalid('total')},
        {'field': 'total', 'check': 'at most 2 decimals', 'when': rule_over_two_decimals('total')},
        {'field': 'total', 'check': 'must equal price x quantity', 'when': 'total <> price * quanitity'},
    ]) }}
{%- endmacro %}
