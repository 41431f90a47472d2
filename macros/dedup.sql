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
