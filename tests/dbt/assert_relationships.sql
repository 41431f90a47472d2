{#-
    Fails when the `relationships` test (macros/tests/relationships.sql) misreports a child row:
    one row for each child row whose value the parent lacks (a missing value twice, twice), none
    for a null value or a value the parent has.
-#}

with children as (
    select child_cases.parent_id
    from (
        values ('a'), ('a'), ('b'), ('x'), ('x'), ('y'), (null)
    ) as child_cases (parent_id)
),

parents as (
    select parent_cases.id
    from (values ('a'), ('b'), ('c')) as parent_cases (id)
),

found as (
    {{ default__test_relationships('children', 'parent_id', 'parents', 'id') | indent(4) }}
),

found_counts as (
    select
        from_field,
        count(*) as child_rows
    from found
    group by from_field
),

expected as (
    select
        expected_counts.from_field,
        expected_counts.child_rows
    from (values ('x', 2), ('y', 1)) as expected_counts (from_field, child_rows)
),

differences as (
    (
        select * from found_counts
        except
        select * from expected
    )
    union all
    (
        select * from expected
        except
        select * from found_counts
    )
),

final as (
    select
        from_field,
        child_rows
    from differences
)

select * from final
