{#-
    Validation rules: the one place where silver decides what is valid.

    Each entity has a macro in this folder returning its rules as a list of
        {'field': <field name in the message>, 'check': <what is wrong>, 'when': <SQL condition>}
    where `when` is true when a row BREAKS the rule (null counts as "not broken"). Conditions use
    the columns of the bronze model (<column>, <column>_raw, <column>_json_type, see
    macros/bronze.sql) plus the few lookup columns the intermediate model adds (documented per
    rule). The error text is "<field>: <check>", e.g. "email: required".

    `rule_errors` turns a rule list into a SQL list of the error texts of the broken rules (in
    rule order; empty when the row is valid). Rules on personal fields
    (erasure_personal_fields) of a row the erasure finaliser has already erased read the errors
    stored in its record (`stored_errors`), so results do not change when bronze is erased;
    without `stored_errors` they are not evaluated for erased rows (transactions).

    Every record-level error list starts with "record: <problem>" when the bronze line is not a
    JSON object (invalid JSON, invalid UTF-8, empty line, not a JSON object); nothing else is
    checked then.
-#}

{#- SQL: the field is missing, JSON null, or a blank string. Only a JSON string can be blank, so
    nothing else is trimmed (a `case`: DuckDB evaluates both sides of an `and` in a select
    list); trimming the text of every `purchases` object took 11 s at 10M transactions. -#}
{% macro rule_missing(column) -%}
    {{ return(
        'case when ' ~ column ~ "_json_type = 'string' then trim(" ~ column ~ "_raw) = '' else "
        ~ column ~ '_raw is null end'
    ) }}
{%- endmacro %}


{#- SQL: the field is there but not of its type/format (its typed value is null). -#}
{% macro rule_invalid(column) -%}
    {{ return('(' ~ column ~ '_raw is not null and ' ~ column ~ ' is null)') }}
{%- endmacro %}


{#- SQL: the field is there but not a string matching `pattern` (after trimming; a blank string
    counts as missing, not as a mismatch). -#}
{% macro rule_not_matching(column, pattern) -%}
    {{ return(
        'case when ' ~ column ~ ' is null then ' ~ column ~ '_raw is not null else trim('
        ~ column ~ ") <> '' and not " ~ regex_full_match('trim(' ~ column ~ ')', pattern) ~ ' end'
    ) }}
{%- endmacro %}


{#- SQL: the (valid) decimal text has more than two decimals. -#}
{% macro rule_over_two_decimals(column) -%}
    {{ return(
        '(' ~ column ~ ' is not null and not '
        ~ regex_full_match('trim(' ~ column ~ '_raw)', '-?[0-9]+([.][0-9]{1,2})?') ~ ')'
    ) }}
{%- endmacro %}


{#- SQL list of the error texts of the broken rules. `is_erased` is the SQL boolean telling that the
    row belongs to an erased subject, `personal_fields` the fields it exempts. `prefix_sql`, a SQL
    string expression such as 'lines[3]', turns "sku: unknown product" into
    "lines[3].sku: unknown product" (and a rule with an empty field into "lines[3]: <check>"). -#}
{% macro rule_errors(
    rules, is_erased=none, personal_fields=[], prefix_sql=none, stored_errors=none
) -%}
    {%- set items = [] -%}
    {%- set conditions = [] -%}
    {%- for rule in rules -%}
        {%- if prefix_sql is none -%}
            {%- set text = "'" ~ rule.field ~ ': ' ~ rule.check ~ "'" -%}
        {%- else -%}
            {%- set text = prefix_sql ~ " || '" ~ ('.' ~ rule.field if rule.field else '')
                ~ ': ' ~ rule.check ~ "'" -%}
        {%- endif -%}
        {%- set is_personal = is_erased is not none and rule.field in personal_fields -%}
        {%- if is_personal and stored_errors is not none -%}
            {#- An erased row's personal fields are gone: the errors they had when the finaliser
                erased them travel in the record ('|'-delimited), so the result does not change.
                position(... in ...) is standard SQL (DuckDB and Spark). -#}
            {%- set condition = 'case when ' ~ is_erased ~ " then position('|" ~ rule.field
                ~ ': ' ~ rule.check ~ "|' in " ~ stored_errors ~ ') > 0 else (' ~ rule.when
                ~ ') end' -%}
        {%- elif is_personal -%}
            {%- set condition = 'not ' ~ is_erased ~ ' and (' ~ rule.when ~ ')' -%}
        {%- else -%}
            {%- set condition = rule.when -%}
        {%- endif -%}
        {%- do conditions.append('coalesce(' ~ condition ~ ', false)') -%}
        {%- do items.append('case when ' ~ condition ~ ' then ' ~ text ~ ' end') -%}
    {%- endfor -%}
    {#- The list is only built for the (rare) rows that break a rule. -#}
    case
        when {{ conditions | join('\n            or ') }}
            then {{ list_without_nulls(list_of(items)) }}
        else {{ empty_string_list() }}
    end
{%- endmacro %}


{#- The record-level error list: "record: <problem>" for a line that is not a JSON object, else
    the broken rules followed by `extra_errors` (a SQL list, e.g. the errors of nested lines). -#}
{% macro record_errors(
    rules, is_erased=none, personal_fields=[], extra_errors=none, stored_errors=none
) -%}
    {%- set errors = rule_errors(rules, is_erased, personal_fields, stored_errors=stored_errors) -%}
    {%- if extra_errors is not none -%}
        {%- set errors = list_concat_of(errors, extra_errors) -%}
    {%- endif -%}
    case
        when not _is_valid_json
            then {{ list_of(["'record: ' || coalesce(_line_error, 'not a JSON object')"]) }}
        else {{ errors }}
    end
{%- endmacro %}
