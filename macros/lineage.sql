{#-
    Joins on the lineage key of a bronze row: (_source_file, _file_sha256, _line_number), two
    long strings and a number. Tens of millions of rows joined or grouped on it keep ~150 bytes a
    row in DuckDB's hash tables, which at 10M lines is more than the memory limit. The models
    join on a 64-bit hash of the file part plus the exact line number instead: 16 bytes a row.
    Two rows of different files match only if the hashes of their files collide: with 100,000
    files that chance is below 1e-9 (hash values are never stored, only compared in one query).
-#}


{#- The 64-bit hash of the file a bronze row of `relation` came from (path and content). -#}
{% macro lineage_file_hash(relation) -%}
    {{ return(adapter.dispatch('lineage_file_hash')(relation) if adapter is defined
        else default__lineage_file_hash(relation)) }}
{%- endmacro %}

{% macro default__lineage_file_hash(relation) -%}
    hash({{ relation }}._source_file, {{ relation }}._file_sha256)
{%- endmacro %}

{% macro spark__lineage_file_hash(relation) -%}
    xxhash64({{ relation }}._source_file, {{ relation }}._file_sha256)
{%- endmacro %}


{#- Join condition: the rows of `left` and `right` come from the same bronze row. `right` may
    instead carry the hash already, as `_file_hash` (`right_hashed=true`). In an incremental run
    the plain columns are compared instead: the affected rows are few, and DuckDB pushes a join's
    build-side values on plain columns into the probe side's scan as a filter (an IN list of the
    affected files), so the bronze view parses only those files' rows. -#}
{% macro lineage_match(left, right, right_hashed=false) -%}
    {%- set right_hash = right ~ '._file_hash' if right_hashed else lineage_file_hash(right) -%}
    {%- if is_incremental() and not right_hashed -%}
        {{ left }}._source_file = {{ right }}._source_file
        and {{ left }}._file_sha256 = {{ right }}._file_sha256
        and {{ left }}._line_number = {{ right }}._line_number
    {%- else -%}
        {{ lineage_file_hash(left) }} = {{ right_hash }}
        and {{ left }}._line_number = {{ right }}._line_number
    {%- endif -%}
{%- endmacro %}
