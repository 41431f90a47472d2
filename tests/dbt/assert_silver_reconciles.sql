{#- Fails when, for any entity, bronze rows != silver rows + quarantine rows + duplicate rows. -#}

with reconciliation as (
    select * from {{ ref('slv_reconciliation') }}
),

final as (
    select
        entity,
        bronze_rows,
        silver_rows,
        quarantine_rows,
        duplicate_rows
    from reconciliation
    where bronze_rows <> silver_rows + quarantine_rows + duplicate_rows
)

select * from final
