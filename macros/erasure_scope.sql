{#-
    Which bronze rows slv_erasure_targets compares with their anonymized records. Comparing every
    row of every erased subject made each refresh pay for the whole history (~916k rows, 7 s at
    10M lines) to find them unchanged. A successful build of the whole project is recorded only
    after its erasure finalisation rewrote every row it listed, and bronze rows change only
    through the finaliser; so, by induction, every row of a subject erased at that build, in
    its loads or older ones, holds its anonymized record. A build compares
      - every row of the subjects erased since (int_erased_customers__listed stamps each with
        a load newer than that build's), and
      - the rows of newer loads, of every erased subject.
    That build's last load is MEDALLION_BRONZE_TESTED_THROUGH (macros/tests/where_batch.sql,
    medallion/build_state.py: the latest successful whole-project build with the same code).
    Other code may anonymize differently: then, in a full refresh and outside the runner, it is
    empty and every row is compared. Read only at execution, so the parse does not depend on it.
-#}

{#- The last load of the finalised build, or '' when there is none. -#}
{% macro erasure_finalised_through() -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {{ return(bronze_tested_through()) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- "`load_column` is a load the finalised build did not hold": newer than its last load, or
    any load ('true') when there is no finalised build. Null for a null load. -#}
{% macro after_finalised_load(load_column) -%}
    {%- set through = erasure_finalised_through() -%}
    {{ return(load_column ~ ' > ' ~ load_id_literal(through) if through else 'true') }}
{%- endmacro %}
