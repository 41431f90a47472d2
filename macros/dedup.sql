{#-
    De-duplication order (docs/silver_rules.md). Among the valid bronze rows of one business key,
    the silver row is the latest version: the latest landing partition (date, then hour), then
    the latest ingestion (_ingested_at), then the greatest _source_file and _line_number (a
    deterministic tie-break for re-deliveries inside one load, e.g. the same transaction 5 times
    in one file). Every other valid row of the key is a duplicate.
-#}
{% macro latest_version_first() -%}
    _partition_date desc, _partition_hour desc, _ingested_at desc, _source_file desc, _line_number desc
{%- endmacro %}


{#- 1 for the latest version of each key (`key_columns`, in the order above), 2 for every other
    row: what `row_number() over (partition by <keys> order by ...)` = 1 tells, for keys of
    (nearly) one row each, with bounded memory. DuckDB's window operator keeps a buffer for each
    of up to 1024 hash groups of the partition values on every thread (duckdb/duckdb#7808); at
    10M transactions and a 1.2 GB limit that ran out of memory on 2 threads. Partitioned by a
    few hash buckets of the key instead, every key still lies in one bucket, sorted together:
    its first row in that order is its latest version. -#}
{% macro latest_version_rank(key_columns, buckets=64) -%}
    {%- set window -%}
        over (
            partition by {{ hash_bucket(key_columns, buckets) }}
            order by {{ key_columns | join(', ') }}, {{ latest_version_first() }}
        )
    {%- endset -%}
    {#- null-safe "the previous row has the same key" -#}
    case
        when row_number() {{ window }} = 1 then 1
        when
            {% for column in key_columns -%}
                {{ 'and ' if not loop.first }}coalesce(
                    lag({{ column }}) {{ window }} = {{ column }},
                    {{ column }} is null and lag({{ column }}) {{ window }} is null
                )
            {% endfor -%}
            then 2
        else 1
    end
{%- endmacro %}


{#- The reverse order: the first time something was seen (erasure subjects' first request). -#}
{% macro earliest_version_first() -%}
    _partition_date asc, _partition_hour asc, _ingested_at asc, _source_file asc, _line_number asc
{%- endmacro %}


{#- _row_status of a bronze row: quarantined (breaks a rule), current (the silver row of its
    key) or duplicate (collapsed by the de-duplication rule). -#}
{% macro row_status(is_valid, version_rank) -%}
    case
        when not {{ is_valid }} then 'quarantined'
        when {{ version_rank }} = 1 then 'current'
        else 'duplicate'
    end
{%- endmacro %}
