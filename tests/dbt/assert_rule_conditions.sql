{#-
    Fails when a validation rule condition (macros/rules/_rules.sql) misjudges a value. Each case
    is a field as the bronze models give it (<column>_raw, <column>_json_type, <column>: the
    typed value) with the expected verdicts of rule_missing and rule_not_matching: a value is
    missing when absent, JSON null or a blank string, and only a JSON string can be blank.
-#}

with cases as (
    select
        value_cases.case_name,
        value_cases.field_raw,
        value_cases.field_json_type,
        value_cases.field,
        value_cases.expected_missing,
        value_cases.expected_not_matching
    from (
        values
        ('absent', null, null, null, true, false),
        ('json null', null, 'null', null, true, false),
        ('empty string', '', 'string', '', true, false),
        ('blank string', '   ', 'string', '   ', true, false),
        ('padded match', ' 42 ', 'string', ' 42 ', false, false),
        ('mismatch', 'x42', 'string', 'x42', false, true),
        ('number', '42', 'number', null, false, true),
        ('object', '{"a": " "}', 'object', null, false, true),
        ('empty array', '[]', 'array', null, false, true)
    ) as value_cases (
        case_name, field_raw, field_json_type, field, expected_missing, expected_not_matching
    )
),

verdicts as (
    select
        case_name,
        expected_missing,
        expected_not_matching,
        {{ rule_missing('field') }} as is_missing,
        {{ rule_not_matching('field', '[0-9]+') }} as is_not_matching
    from cases
),

final as (
    select * from verdicts
    where
        is_missing is distinct from expected_missing
        or is_not_matching is distinct from expected_not_matching
)

select * from final
