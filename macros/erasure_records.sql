{#-
    The anonymized bronze record of an erased subject, defined once and kept in the warehouse as
    DuckDB macros: slv_erasure_targets (the finaliser's work list) calls them, and the landing
    ingest (dlt_pipelines/anonymize.py) copies them to anonymize the new lines of subjects erased
    earlier before those lines reach the warehouse. What one writes, the other then finds already
    done, so such lines need no file rewrite. Created by slv_erasure_targets' pre-hook, in its
    schema; each takes the text of a bronze line that is a JSON object (_is_valid_json):
      erasure_customer_key(bronze_record)              the customer id a customers record is
                                                       matched by (brz_customers.id, normalized)
      erasure_transaction_customer_key(bronze_record)  the same for a transactions record
                                                       (brz_transactions.customer_id)
      erasure_customer_email_key(bronze_record)        a customers record's email, normalized as
                                                       int_erased_customers hashes it
      erasure_anonymized_customer(bronze_record)       personal fields null, "_erased": true,
                                                       "_erased_errors": the errors those fields
                                                       had ('|'-delimited), so the customer stays
                                                       valid or quarantined exactly as before, and
                                                       "_erased_email_hash": the email's salted
                                                       hash, so that int_erased_customers still
                                                       finds the subject of a customer anonymized
                                                       on its way in (absent without an email)
      erasure_anonymized_transaction(bronze_record)    delivery address, postcode and city null,
                                                       "_erased": true
    and erasure_salted_hash(hashed_value), salted_hash of macros/erasure.sql (the salt is the
    DuckDB variable medallion_erasure_salt). DuckDB only (the finaliser and the ingest work on the DuckDB warehouse).
-#}

{#- A call of one of the macros, qualified by the model's database and schema. -#}
{% macro erasure_record(macro_name, argument) -%}
    {{ this.database }}.{{ this.schema }}.{{ macro_name }}({{ argument }})
{%- endmacro %}


{#- A one-row subquery over the macro's argument `bronze_record`: `record` and the bronze
    columns of `fields` (<column>_raw, <column>_json_type, <column>), as the bronze models
    extract them (macros/bronze.sql). -#}
{% macro bronze_record_fields(fields) -%}
    (
        select
            *,
            {{ bronze_typed_columns(fields) }}
        from (
            select
                record,
                true as _is_valid_json,
                cast(null as varchar) as _line_error,
                {{ bronze_raw_columns(fields) }}
            from (
                select
                    bronze_record as record,
                    {{ json_texts('bronze_record', bronze_paths(fields)) }} as _field_texts,
                    {{ json_types('bronze_record', bronze_paths(fields)) }} as _field_types
            ) as field_lists
        ) as extracted
    ) as parsed
{%- endmacro %}


{#- The pre-hook statements of slv_erasure_targets: create or replace the four macros. -#}
{% macro create_erasure_record_macros() -%}
    {%- set schema = this.database ~ '.' ~ this.schema -%}
    {%- set personal = erasure_personal_fields('customers') -%}
    {%- set personal_list = "'" ~ personal | join("', '") ~ "'" -%}
    create or replace macro {{ schema }}.erasure_customer_key(bronze_record) as
        {{ normalized_customer_id(bronze_text_value('bronze_record', 'id')) }};

    create or replace macro {{ schema }}.erasure_customer_email_key(bronze_record) as
        {{ normalized_email(bronze_text_value('bronze_record', 'email')) }};

    create or replace macro {{ schema }}.erasure_salted_hash(hashed_value) as
        {{ salted_hash('hashed_value') }};

    create or replace macro {{ schema }}.erasure_transaction_customer_key(bronze_record) as
        {{ normalized_customer_id(bronze_text_value('bronze_record', 'customer_id')) }};

    create or replace macro {{ schema }}.erasure_anonymized_customer(bronze_record) as (
        -- the errors are those int_customers__checked finds: the same rules on the same columns
        select
            json_merge_patch(
                {{ json_with_nulls('record', personal) }},
                json_object(
                    '_erased_errors',
                    '|' || array_to_string(
                        list_filter(
                            _errors,
                            error_text -> split_part(error_text, ':', 1) in ({{ personal_list }})
                        ),
                        '|'
                    ) || '|',
                    -- kept once the email is gone: anonymizing twice gives the same record
                    '_erased_email_hash',
                    coalesce({{ salted_hash(normalized_email('email')) }}, _erased_email_hash)
                )
            )
        from (
            select
                *,
                {{ record_errors(
                    customer_rules(),
                    'coalesce(_erased, false)',
                    personal,
                    stored_errors="coalesce(_erased_errors, '')",
                ) }} as _errors
            from {{ bronze_record_fields(bronze_fields('customers')) }}
        ) as validated
    );

    create or replace macro {{ schema }}.erasure_anonymized_transaction(bronze_record) as
        {{ json_with_nulls('bronze_record', erasure_personal_fields('transactions')) }}
{%- endmacro %}
