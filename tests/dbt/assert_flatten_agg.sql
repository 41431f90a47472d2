{#-
    Fails when flatten_agg (macros/cross_db.sql), which folds the line errors of a transaction
    into one list, misorders or misfilters them: the lists of a group's rows that pass
    `only_when`, concatenated in position order whatever order the rows come in; null for a
    group where no row passes.
-#}

with cases as (
    select
        list_cases.group_name,
        list_cases.position,
        list_cases.items
    from (
        values
        ('shuffled', 3, ['c1', 'c2']),
        ('shuffled', 1, ['a1']),
        ('shuffled', 2, []),
        ('shuffled', 10, ['j1']),
        ('shuffled', 4, ['d1']),
        ('none pass', 1, []),
        ('none pass', 2, [])
    ) as list_cases (group_name, position, items)
),

expected as (
    select
        expected_lists.group_name,
        expected_lists.expected_items
    from (
        values
        ('shuffled', ['a1', 'c1', 'c2', 'd1', 'j1']),
        ('none pass', null)
    ) as expected_lists (group_name, expected_items)
),

folded as (
    select
        group_name,
        {{ flatten_agg('items', 'position', only_when=list_size('items') ~ ' > 0') }} as items
    from cases
    group by group_name
),

final as (
    select
        expected.group_name,
        expected.expected_items,
        folded.items
    from expected
    left join folded
        on expected.group_name = folded.group_name
    where folded.items is distinct from expected.expected_items
)

select * from final
