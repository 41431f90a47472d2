{#-
    Post-hook of every model that writes a table (dbt_project.yml, outside the model's
    transaction): write what the model changed into the warehouse file now. DuckDB did not
    checkpoint on its own between models, and what dbt's incremental writes left behind stayed
    in the buffer pool where it could not be evicted: in the 10M erasure refresh the pool held
    1.7 GB before int_product_daily_sales and 18 nodes ran out of memory (3 runs of 3); with a
    checkpoint after each model, none did (README, benchmark). A view writes nothing.
    FORCE: with MEDALLION_DBT_THREADS above 1 the other thread's model may hold a write
    transaction, which a plain CHECKPOINT refuses to run beside (the model failed); FORCE
    CHECKPOINT waits for it (DuckDB >= 1.4; before, it aborted it).
    Other engines: nothing to checkpoint.
-#}


{% macro checkpoint_written_model() -%}
    {{ return(adapter.dispatch('checkpoint_written_model')() if adapter is defined
        else default__checkpoint_written_model()) }}
{%- endmacro %}

{% macro default__checkpoint_written_model() -%}
    {%- if config.get('materialized') != 'view' -%}
        force checkpoint
    {%- endif -%}
{%- endmacro %}

{% macro spark__checkpoint_written_model() -%}
{%- endmacro %}
