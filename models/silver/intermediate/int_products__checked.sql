{{ config(materialized='table') }}

{#-
    Every bronze products row, validated and classified (quarantined / current / duplicate): the
    single pass that slv_products, its quarantine and the reconciliation read.
-#}

with products as (
    select * from {{ ref('brz_products') }}
),

validated as (
    select
        *,
        {{ record_errors(product_rules()) }} as _errors
    from products
),

ranked as (
    -- de-duplication: the latest valid version of each sku
    select
        *,
        {{ list_size('_errors') }} = 0 as _is_valid,
        row_number() over (
            partition by {{ list_size('_errors') }} = 0, sku
            order by {{ latest_version_first() }}
        ) as _version_rank
    from validated
),

final as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _partition_hour,
        _ingested_at,
        _source_type,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        {{ row_status('_is_valid', '_version_rank') }} as _row_status,
        _errors,
        sku,
        nullif(trim(name), '') as product_name,
        price,
        nullif(trim(category), '') as category,
        popularity,
        case when not _is_valid then record end as record
    from ranked
)

select * from final
