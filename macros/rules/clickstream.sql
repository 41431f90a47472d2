{#-
    Clickstream rules (see _rules.sql) and the clickstream's few helpers. Columns: those of
    brz_clickstream. Optional fields (customer_id: anonymous visitors; referrer: direct visits;
    product_sku, search_query, order_id: only on some event types) are checked only when there.
-#}

{#- The event types the shop's tracker sends, each with its category (slv_clickstream_events). -#}
{% macro clickstream_event_categories() -%}
    {{ return({
        'page_view': 'browse',
        'click': 'browse',
        'search': 'browse',
        'add_to_cart': 'cart',
        'remove_from_cart': 'cart',
        'checkout': 'transaction',
        'purchase': 'transaction',
    }) }}
{%- endmacro %}


{#- SQL list literal of the known event types: ('page_view', 'click', ...). -#}
{% macro clickstream_event_type_list() -%}
    {%- set quoted = [] -%}
    {%- for event_type in clickstream_event_categories() -%}
        {%- do quoted.append("'" ~ event_type ~ "'") -%}
    {%- endfor -%}
    ({{ quoted | join(', ') }})
{%- endmacro %}


{% macro clickstream_rules() -%}
    {%- set event_type = 'trim(event_type)' -%}
    {{ return([
        {'field': 'event_id', 'check': 'required', 'when': rule_missing('event_id')},
        {'field': 'event_id', 'check': 'must be a string', 'when': rule_invalid('event_id')},
        {'field': 'event_type', 'check': 'required', 'when': rule_missing('event_type')},
        {'field': 'event_type', 'check': 'must be a known event type',
            'when': '(' ~ rule_invalid('event_type') ~ ' or (nullif(' ~ event_type ~ ", '') is not null"
                ~ ' and ' ~ event_type ~ ' not in ' ~ clickstream_event_type_list() ~ '))'},
        {'field': 'event_time', 'check': 'required', 'when': rule_missing('event_time')},
        {'field': 'event_time', 'check': 'must be a timestamp (YYYY-MM-DDTHH:MM:SS)',
            'when': rule_invalid('event_time')},
        {'field': 'session_id', 'check': 'required', 'when': rule_missing('session_id')},
        {'field': 'session_id', 'check': 'must be a string', 'when': rule_invalid('session_id')},
        {'field': 'customer_id', 'check': 'must be a string of digits',
            'when': rule_not_matching('customer_id', '[0-9]+')},
        {'field': 'url', 'check': 'required', 'when': rule_missing('url')},
        {'field': 'url', 'check': 'must be an http(s) URL',
            'when': rule_not_matching('url', 'https?://[^ ]+')},
        {'field': 'referrer', 'check': 'must be a string', 'when': rule_invalid('referrer')},
        {'field': 'user_agent', 'check': 'must be a string', 'when': rule_invalid('user_agent')},
        {'field': 'product_sku', 'check': 'must be a string', 'when': rule_invalid('product_sku')},
        {'field': 'search_query', 'check': 'must be a string',
            'when': rule_invalid('search_query')},
        {'field': 'order_id', 'check': 'must be a string', 'when': rule_invalid('order_id')},
        {'field': 'order_id', 'check': 'required for a purchase',
            'when': '(' ~ event_type ~ " = 'purchase' and " ~ rule_missing('order_id') ~ ')'},
    ]) }}
{%- endmacro %}


{#- The personal fields of a clickstream event: nulled for erased customers in silver and in
    bronze (url and referrer instead lose their query string, see clickstream_url_without_query). -#}
{% macro clickstream_personal_fields() -%}
    {{ return(['customer_id', 'search_query']) }}
{%- endmacro %}


{#- A URL without its query string and fragment: what is left of an erased customer's URLs and
    referrers (query strings carry tracking ids such as a newsletter's cid, and search terms). -#}
{% macro clickstream_url_without_query(expression) -%}
    regexp_replace({{ expression }}, '[?#].*$', '')
{%- endmacro %}


{#- Gold's 30-minute inactivity rule: true when `event_time` comes more than 30 minutes after
    `previous_event_time` (or there is no previous event), so it starts a new session. -#}
{% macro clickstream_starts_session(previous_event_time, event_time) -%}
    {%- if dbt is defined -%}
        {%- set timeout_end = dbt.dateadd('minute', 30, previous_event_time) -%}
    {%- else -%}
        {%- set timeout_end = previous_event_time ~ " + interval '30' minute" -%}
    {%- endif -%}
    ({{ previous_event_time }} is null or {{ event_time }} > {{ timeout_end }})
{%- endmacro %}


{#- Seconds from `start_expression` to `end_expression` (whole seconds). -#}
{% macro clickstream_seconds_between(start_expression, end_expression) -%}
    {%- if dbt is defined -%}
        {{ dbt.datediff(start_expression, end_expression, 'second') }}
    {%- else -%}
        date_diff('second', {{ start_expression }}, {{ end_expression }})
    {%- endif -%}
{%- endmacro %}


{#- SQL: the category of an event type (clickstream_event_categories; null when unknown). -#}
{% macro clickstream_event_category(event_type) -%}
    {%- set branches = [] -%}
    {%- for name, category in clickstream_event_categories().items() -%}
        {%- do branches.append("when '" ~ name ~ "' then '" ~ category ~ "'") -%}
    {%- endfor -%}
    case {{ event_type }} {{ branches | join(' ') }} end
{%- endmacro %}
