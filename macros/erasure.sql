{#-
    GDPR erasure helpers: the salt, salted hashes, identifier normalisation and the list of
    personal fields. See docs/silver_rules.md ("Erasure").
-#}

{#- The erasure salt, from MEDALLION_ERASURE_SALT. Fails the build with a clear message when it is
    unset or blank (only when SQL is executed: `dbt parse` / `dbt ls` work without it).
    The salt is a secret: with it, a subject_id_hash of a 6-digit id is found by trying every id.
    It is inlined in the compiled SQL, so models that hash are never views (a view's SQL is stored
    in the warehouse); target/ and logs/ hold it too. -#}
{% macro erasure_salt() -%}
    {%- set salt = env_var('MEDALLION_ERASURE_SALT', '') if env_var is defined else 'lint-salt' -%}
    {%- if salt | trim | length == 0 and execute -%}
        {{ exceptions.raise_compiler_error(
            'MEDALLION_ERASURE_SALT is not set: erasure subjects are identified by salted hashes, '
            ~ 'so the silver layer cannot be built without the salt. Export '
            ~ 'MEDALLION_ERASURE_SALT (a long random secret, the same for every run).'
        ) }}
    {%- endif -%}
    {{ return(salt) }}
{%- endmacro %}


{#- sha256(salt || expression) as lowercase hex; null when expression is null. -#}
{% macro salted_hash(expression) -%}
    {{ return(adapter.dispatch('salted_hash')(expression) if adapter is defined
        else default__salted_hash(expression)) }}
{%- endmacro %}

{#- DuckDB reads the salt from a variable that medallion's dbt-duckdb plugin
    (medallion/dbt_salt_plugin.py) binds on every connection from MEDALLION_ERASURE_SALT, so the
    salt never appears in compiled SQL, target/, dbt's logs or its partial-parse file (dbt keeps
    the values of env_var() calls there, so this path makes none). Unset, the query fails. -#}
{% macro default__salted_hash(expression) -%}
    sha256(
        coalesce(
            getvariable('medallion_erasure_salt')::varchar,
            error('MEDALLION_ERASURE_SALT is not set: erasure subjects are identified by salted hashes')
        ) || {{ expression }}
    )
{%- endmacro %}

{% macro spark__salted_hash(expression) -%}
    sha2(concat('{{ erasure_salt() | replace("\\", "\\\\") | replace("'", "\\'") }}', {{ expression }}), 256)
{%- endmacro %}


{#- A customer id as matched and hashed: trimmed, blank as null (ids keep leading zeros). -#}
{% macro normalized_customer_id(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}


{#- `having` that keeps the groups of a query grouped by the normalized customer id whose id is
    not blank. Not a `where`: DuckDB pushes a `where` on a field of a bronze view into the view,
    which then evaluated the JSON extraction twice per line (~2 s against ~0.8 s at 785k
    customer lines); a `having` on an aggregate stays above the parse. -#}
{% macro having_customer_id(expression) -%}
    having count({{ normalized_customer_id(expression) }}) > 0
{%- endmacro %}


{#- An email as matched, hashed and stored in silver: trimmed, lower-cased, blank as null. -#}
{% macro normalized_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}


{#- The personal fields of an entity (JSON paths of the source record): anonymized (null) in
    silver for erased subjects and nulled in bronze by the erasure finaliser (which keeps the
    errors they had, see rules/_rules.sql). Country, segment,
    amounts, SKUs and times are not personal facts here and stay. -#}
{% macro erasure_personal_fields(entity) -%}
    {%- set fields = {
        'customers': [
            'first_name', 'last_name', 'email', 'phone_number', 'date_of_birth',
            'address', 'postcode', 'city',
        ],
        'transactions': [
            'delivery_address.address', 'delivery_address.postcode', 'delivery_address.city',
        ],
    } -%}
    {{ return(fields[entity]) }}
{%- endmacro %}


{#- `expression`, or null when the row belongs to an erased subject. -#}
{% macro erased_as_null(expression, is_erased='is_erased') -%}
    case when not {{ is_erased }} then {{ expression }} end
{%- endmacro %}
