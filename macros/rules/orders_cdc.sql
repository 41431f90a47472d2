{#-
    Order CDC rules (see _rules.sql): one orders_cdc change event. Columns: those of
    brz_orders_cdc (_kafka_key is the message key). The order fields (status, amount, currency,
    customer_id) are required for creates and updates; a delete may carry just the key fields.
    customer_id is the personal link: its rules are not evaluated for a message the erasure
    finaliser has anonymized ("_erased": true, customer_id null).
-#}
{% macro orders_cdc_rules() -%}
    {%- set not_delete = "coalesce(trim(op), '') <> 'd' and " -%}
    {{ return([
        {'field': 'change_id', 'check': 'required', 'when': rule_missing('change_id')},
        {'field': 'change_id', 'check': 'must be a string', 'when': rule_invalid('change_id')},
        {'field': 'op', 'check': 'required', 'when': rule_missing('op')},
        {'field': 'op', 'check': 'must be one of c, u, d', 'when': rule_not_matching('op', '[cud]')},
        {'field': 'order_id', 'check': 'required', 'when': rule_missing('order_id')},
        {'field': 'order_id', 'check': 'must be a string', 'when': rule_invalid('order_id')},
        {'field': 'order_id', 'check': 'must equal the message key',
            'when': "nullif(trim(order_id), '') <> coalesce(trim(_kafka_key), '')"},
        {'field': 'ts', 'check': 'required', 'when': rule_missing('ts')},
        {'field': 'ts', 'check': 'must be a timestamp (YYYY-MM-DDTHH:MM:SS[.fff])',
            'when': rule_invalid('ts')},
        {'field': 'status', 'check': 'required', 'when': not_delete ~ rule_missing('status')},
        {'field': 'status', 'check': 'must be one of ' ~ order_statuses() | join(', '),
            'when': rule_not_matching('status', order_statuses() | join('|'))},
        {'field': 'amount', 'check': 'required', 'when': not_delete ~ rule_missing('amount')},
        {'field': 'amount', 'check': 'must be a decimal string', 'when': rule_invalid('amount')},
        {'field': 'amount', 'check': 'must be >= 0', 'when': 'amount < 0'},
        {'field': 'amount', 'check': 'at most 2 decimals', 'when': rule_over_two_decimals('amount')},
        {'field': 'currency', 'check': 'required', 'when': not_delete ~ rule_missing('currency')},
        {'field': 'currency', 'check': 'must be a 3-letter currency code',
            'when': rule_not_matching('currency', '[A-Z]{3}')},
        {'field': 'customer_id', 'check': 'required',
            'when': not_delete ~ rule_missing('customer_id')},
        {'field': 'customer_id', 'check': 'must be a string of digits',
            'when': rule_not_matching('customer_id', '[0-9]+')},
    ]) }}
{%- endmacro %}


{#- The order statuses, in lifecycle order (cancelled ends an order early). -#}
{% macro order_statuses() -%}
    {{ return(['created', 'paid', 'shipped', 'delivered', 'cancelled']) }}
{%- endmacro %}


{#- Hours (fractional) from `start_expression` to `end_expression`, two timestamps; null when
    either is null. dbt.datediff in milliseconds (cross-database; the events' precision);
    DuckDB's SQL when linting. -#}
{% macro order_hours_between(start_expression, end_expression) -%}
    {%- if dbt is defined -%}
        {{ dbt.datediff(start_expression, end_expression, 'millisecond') }} / 3600000.0
    {%- else -%}
        date_diff('millisecond', {{ start_expression }}, {{ end_expression }}) / 3600000.0
    {%- endif -%}
{%- endmacro %}
