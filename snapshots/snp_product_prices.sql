{#-
    A snapshot block, not a YAML `relation:`: dbt's partial parsing drops a snapshot defined
    in YAML alone from the project once a macro or YAML file changed (dbt-core #10903), so a
    plain `dbt build` after such a change silently skipped the price history. Its description,
    columns and tests are in snp_product_prices.yml.
-#}
{% snapshot snp_product_prices %}

    {{ config(
        schema='gold',
        unique_key='sku',
        strategy='check',
        check_cols=['price', 'product_name', 'category'],
        tags=['core', 'daily'],
    ) }}

    select * from {{ ref('int_product_prices') }}

{% endsnapshot %}
