{#-
    Erasure request rules (see _rules.sql). Columns: those of brz_erasure_requests.
    A request names its subject by customer-id, by email, or both (either may be padded or
    mis-cased: they are normalised before matching). After the erasure finaliser rewrote it, it
    carries {"_erased_subject": {"id_hash", "email_hash"}} instead. A request that breaks a rule
    is quarantined and NOT applied: a malformed request could erase the wrong person, so it is
    fixed and re-delivered after review.
-#}
{% macro erasure_request_rules() -%}
    {{ return([
        {'field': 'customer-id', 'check': 'must be a string', 'when': rule_invalid('customer_id')},
        {'field': 'email', 'check': 'must be a string', 'when': rule_invalid('email')},
        {'field': 'email', 'check': 'must be an email address',
            'when': "nullif(trim(email), '') is not null and not "
                ~ regex_full_match('trim(email)', '[^@ ]+@[^@ ]+')},
        {'field': '_erased_subject', 'check': 'must be an object',
            'when': rule_invalid('_erased_subject')},
        {'field': 'record', 'check': 'customer-id or email required',
            'when': "nullif(trim(customer_id_raw), '') is null and nullif(trim(email_raw), '') is null"
                ~ ' and _erased_subject_id_hash is null and _erased_subject_email_hash is null'},
    ]) }}
{%- endmacro %}
