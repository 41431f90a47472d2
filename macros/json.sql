{#-
    Cross-database JSON access. A field is named by a dotted path of object keys
    ('delivery_address.city', 'customer-id'; '' is the document itself). Keys may hold any
    character but '.'.

    DuckDB parses a document once per call whatever the number of paths, so fields are read in
    bulk: `json_texts` / `json_types` return one list per row, `list_item` picks a field.
    (One call per field is ~5x slower: measured 31 s against 6 s for 1M transactions.)

    Type labels are engine-neutral: string, number, boolean, null (JSON null), object, array;
    SQL null when the path does not exist. spark__ implementations need Spark 4 (VARIANT).
-#}

{#- The JSON path literal (quoted) for a dotted path. -#}
{% macro json_path(path) -%}
    {{ return(adapter.dispatch('json_path')(path) if adapter is defined
        else default__json_path(path)) }}
{%- endmacro %}

{% macro default__json_path(path) -%}
    {%- set ns = namespace(text='$') -%}
    {%- for key in (path.split('.') if path else []) -%}
        {%- set ns.text = ns.text ~ '."' ~ key ~ '"' -%}
    {%- endfor -%}
    '{{ ns.text }}'
{%- endmacro %}

{% macro spark__json_path(path) -%}
    {%- set ns = namespace(text='$') -%}
    {%- for key in (path.split('.') if path else []) -%}
        {%- set ns.text = ns.text ~ "[''" ~ key ~ "'']" -%}
    {%- endfor -%}
    '{{ ns.text }}'
{%- endmacro %}


{#- The values at `paths` as text, one list per row: strings unquoted, numbers and booleans as
    written, objects and arrays as JSON text, null for JSON null or a missing path.
    `json_expression` must be a JSON document or null (never invalid JSON). -#}
{% macro json_texts(json_expression, paths) -%}
    {{ return(adapter.dispatch('json_texts')(json_expression, paths) if adapter is defined
        else default__json_texts(json_expression, paths)) }}
{%- endmacro %}

{% macro default__json_texts(json_expression, paths) -%}
    {%- set literals = [] -%}
    {%- for path in paths -%}{%- do literals.append(json_path(path)) -%}{%- endfor -%}
    json_extract_string({{ json_expression }}, [{{ literals | join(', ') }}])
{%- endmacro %}

{% macro spark__json_texts(json_expression, paths) -%}
    {%- set items = [] -%}
    {%- for path in paths -%}
        {%- do items.append('get_json_object(' ~ json_expression ~ ', ' ~ json_path(path) ~ ')') -%}
    {%- endfor -%}
    array({{ items | join(', ') }})
{%- endmacro %}


{#- The JSON type labels of the values at `paths`, one list per row (see the header). -#}
{% macro json_types(json_expression, paths) -%}
    {{ return(adapter.dispatch('json_types')(json_expression, paths) if adapter is defined
        else default__json_types(json_expression, paths)) }}
{%- endmacro %}

{% macro default__json_types(json_expression, paths) -%}
    {%- set literals = [] -%}
    {%- for path in paths -%}{%- do literals.append(json_path(path)) -%}{%- endfor -%}
    list_transform(
        json_type({{ json_expression }}, [{{ literals | join(', ') }}]),
        lambda json_type_name: case
            when json_type_name = 'VARCHAR' then 'string'
            when json_type_name in ('BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE') then 'number'
            else lower(json_type_name)
        end
    )
{%- endmacro %}

{% macro spark__json_types(json_expression, paths) -%}
    {%- set items = [] -%}
    {%- for path in paths -%}
        {%- set schema = 'schema_of_variant(variant_get(try_parse_json(' ~ json_expression
            ~ '), ' ~ json_path(path) ~ '))' -%}
        {%- do items.append(
            'case when ' ~ schema ~ " like 'STRING%' then 'string'"
            ~ ' when ' ~ schema ~ " = 'BOOLEAN' then 'boolean'"
            ~ ' when ' ~ schema ~ " = 'VOID' then 'null'"
            ~ ' when ' ~ schema ~ " like 'OBJECT%' then 'object'"
            ~ ' when ' ~ schema ~ " like 'ARRAY%' then 'array'"
            ~ ' when ' ~ schema ~ " is not null then 'number' end"
        ) -%}
    {%- endfor -%}
    array({{ items | join(', ') }})
{%- endmacro %}


{#- The top-level keys of a JSON object (null for null). -#}
{% macro json_object_keys(json_expression) -%}
    {{ return(adapter.dispatch('json_object_keys')(json_expression) if adapter is defined
        else default__json_object_keys(json_expression)) }}
{%- endmacro %}

{% macro default__json_object_keys(json_expression) -%}
    json_keys({{ json_expression }})
{%- endmacro %}

{% macro spark__json_object_keys(json_expression) -%}
    json_object_keys({{ json_expression }})
{%- endmacro %}


{#- Number of elements of a JSON array (null when it is not an array). -#}
{% macro json_array_size(json_expression) -%}
    {{ return(adapter.dispatch('json_array_size')(json_expression) if adapter is defined
        else default__json_array_size(json_expression)) }}
{%- endmacro %}

{% macro default__json_array_size(json_expression) -%}
    json_array_length({{ json_expression }})
{%- endmacro %}

{% macro spark__json_array_size(json_expression) -%}
    json_array_length({{ json_expression }})
{%- endmacro %}


{#- The elements of a JSON array (JSON text) as a list of JSON texts; empty for an empty array,
    null when `json_expression` is null. -#}
{% macro json_array_elements(json_expression) -%}
    {{ return(adapter.dispatch('json_array_elements')(json_expression) if adapter is defined
        else default__json_array_elements(json_expression)) }}
{%- endmacro %}

{% macro default__json_array_elements(json_expression) -%}
    json_extract({{ json_expression }}, '$[*]')
{%- endmacro %}

{% macro spark__json_array_elements(json_expression) -%}
    from_json({{ json_expression }}, 'array<string>')
{%- endmacro %}


{#- Select-list items that unnest a list column: one output row per element, the element in
    `element` and its 1-based position in `position`; rows whose list is null or empty produce
    no row. (A select-list unnest, not a lateral join: DuckDB decorrelates a lateral unnest
    into a hash join on the list's value, ~5x slower here.) -#}
{% macro unnest_with_position(list_column, element, position) -%}
    {{ return(adapter.dispatch('unnest_with_position')(list_column, element, position)
        if adapter is defined else default__unnest_with_position(list_column, element, position)) }}
{%- endmacro %}

{% macro default__unnest_with_position(list_column, element, position) -%}
    unnest({{ list_column }}) as {{ element }},
    generate_subscripts({{ list_column }}, 1) as {{ position }}
{%- endmacro %}

{% macro spark__unnest_with_position(list_column, element, position) -%}
    inline(transform(
        {{ list_column }}, (item, zero_based) -> struct(item as {{ element }}, zero_based + 1 as {{ position }})
    ))
{%- endmacro %}


{#- `json_expression` (a JSON object) with the fields at `paths` (top-level or one level deep,
    e.g. 'delivery_address.city') set to JSON null and `marker` set to true; the other fields
    keep their values. What the erasure finaliser writes into bronze (slv_erasure_targets). -#}
{% macro json_with_nulls(json_expression, paths, marker='_erased') -%}
    {{ return(adapter.dispatch('json_with_nulls')(json_expression, paths, marker)
        if adapter is defined else default__json_with_nulls(json_expression, paths, marker)) }}
{%- endmacro %}

{% macro default__json_with_nulls(json_expression, paths, marker='_erased') -%}
    {#- RFC 7396 merge patch, where null deletes a key: patch with a sentinel string, then turn
        the sentinel into null. -#}
    {%- set sentinel = '__medallion_erased_null__' -%}
    {%- set patch = {} -%}
    {%- for path in paths -%}
        {%- set keys = path.split('.') -%}
        {%- if keys | length == 1 -%}
            {%- do patch.update({keys[0]: sentinel}) -%}
        {%- elif keys | length == 2 -%}
            {%- set inner = patch.get(keys[0], dict()) -%}
            {%- do inner.update({keys[1]: sentinel}) -%}
            {%- do patch.update({keys[0]: inner}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error('json_with_nulls: path too deep: ' ~ path) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do patch.update({marker: true}) -%}
    replace(json_merge_patch({{ json_expression }}, '{{ tojson(patch) }}'), '"{{ sentinel }}"', 'null')
{%- endmacro %}

{% macro spark__json_with_nulls(json_expression, paths, marker='_erased') -%}
    {{ exceptions.raise_compiler_error(
        'json_with_nulls is not implemented on Spark: the erasure finaliser runs on DuckDB'
    ) }}
{%- endmacro %}


{#- A JSON object built from (key, SQL expression) pairs; null expressions give JSON null. -#}
{% macro json_object_of(pairs) -%}
    {{ return(adapter.dispatch('json_object_of')(pairs) if adapter is defined
        else default__json_object_of(pairs)) }}
{%- endmacro %}

{% macro default__json_object_of(pairs) -%}
    {%- set items = [] -%}
    {%- for key, value in pairs -%}{%- do items.append("'" ~ key ~ "', " ~ value) -%}{%- endfor -%}
    json_object({{ items | join(', ') }})
{%- endmacro %}

{% macro spark__json_object_of(pairs) -%}
    {%- set items = [] -%}
    {%- for key, value in pairs -%}{%- do items.append("'" ~ key ~ "', " ~ value) -%}{%- endfor -%}
    to_json(named_struct({{ items | join(', ') }}), map('ignoreNullFields', 'false'))
{%- endmacro %}
