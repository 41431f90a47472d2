{#-
    Fails when the key-uniqueness tests (macros/tests/unique_combination.sql: unique_combination,
    and dbt's unique) misreport a key: every duplicated key once, with its count; a null in a
    combination is a value like any other; `unique` skips rows whose column is null.
-#}

with cases as (
    select
        key_cases.key_number,
        key_cases.key_text
    from (
        values
        (1, 'a'), (1, 'a'),
        (1, 'b'),
        (2, null), (2, null),
        (null, 'x'), (null, 'x'), (null, 'y'),
        (3, 'c'), (3, 'c'), (3, 'c'),
        (4, 'd')
    ) as key_cases (key_number, key_text)
),

found_pairs as (
    {{ duplicated_keys('cases', ['key_number', 'key_text']) | indent(4) }}
),

found_numbers as (
    {{ default__test_unique('cases', 'key_number') | indent(4) }}
),

expected_pairs as (
    select
        expected.key_number,
        expected.key_text,
        expected.occurrences
    from (
        values (1, 'a', 2), (2, null, 2), (null, 'x', 2), (3, 'c', 3)
    ) as expected (key_number, key_text, occurrences)
),

expected_numbers as (
    select
        expected.unique_field,
        expected.n_records
    from (values (1, 3), (2, 2), (3, 3)) as expected (unique_field, n_records)
),

pair_differences as (
    (
        select * from found_pairs
        except
        select * from expected_pairs
    )
    union all
    (
        select * from expected_pairs
        except
        select * from found_pairs
    )
),

number_differences as (
    (
        select * from found_numbers
        except
        select * from expected_numbers
    )
    union all
    (
        select * from expected_numbers
        except
        select * from found_numbers
    )
),

final as (
    select
        'unique_combination' as test_name,
        cast(key_number as {{ sql_type('text') }}) as key_number,
        key_text
    from pair_differences
    union all
    select
        'unique' as test_name,
        cast(unique_field as {{ sql_type('text') }}) as key_number,
        null as key_text
    from number_differences
)

select * from final
