-- Runs out of memory when the DuckDB instance holds what leaves_state left there, as the
-- warehouse's gold aggregates do when earlier models left the buffer pool full.
{{ config(pre_hook="
    {% if execute and run_query(
        \"select count(*) from duckdb_databases()
          where database_name = 'left_by_an_earlier_model'\"
    ).columns[0].values()[0] > 0 %}
        set memory_limit = '2MB'
    {% else %}
        select 1
    {% endif %}
") }}

with numbers as (

    select cast(sequence_values.n as varchar) as number_text
    from range(3000000) as sequence_values (n)

),

final as (

    select count(distinct number_text) as distinct_numbers from numbers

)

select * from final
