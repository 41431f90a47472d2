{#-
    The conversion funnel per day (the session's start date, UTC), crawler sessions left out:
    sessions, and how many reached each step (at least one page_view, add_to_cart, checkout,
    purchase event), with the step-to-step rates (null when the step before has none) and
    the overall conversion rate (purchase sessions / sessions).
-#}

with sessions as (
    select * from {{ ref('fct_sessions') }}
),

human_sessions as (
    select * from sessions
    where not is_bot
),

daily as (
    select
        session_date,
        count(*) as sessions,
        sum(case when has_page_view then 1 else 0 end) as sessions_with_page_view,
        sum(case when has_add_to_cart then 1 else 0 end) as sessions_with_add_to_cart,
        sum(case when has_checkout then 1 else 0 end) as sessions_with_checkout,
        sum(case when has_purchase then 1 else 0 end) as sessions_with_purchase
    from human_sessions
    group by session_date
),

final as (
    select
        {{ gold_cast('session_date', 'date') }} as session_date,
        {{ gold_cast('sessions', 'bigint') }} as sessions,
        {{ gold_cast('sessions_with_page_view', 'bigint') }} as sessions_with_page_view,
        {{ gold_cast('sessions_with_add_to_cart', 'bigint') }} as sessions_with_add_to_cart,
        {{ gold_cast('sessions_with_checkout', 'bigint') }} as sessions_with_checkout,
        {{ gold_cast('sessions_with_purchase', 'bigint') }} as sessions_with_purchase,
        {{ gold_cast(
            'sessions_with_add_to_cart * 1.0 / nullif(sessions_with_page_view, 0)', 'double'
        ) }} as add_to_cart_rate,
        {{ gold_cast(
            'sessions_with_checkout * 1.0 / nullif(sessions_with_add_to_cart, 0)', 'double'
        ) }} as checkout_rate,
        {{ gold_cast(
            'sessions_with_purchase * 1.0 / nullif(sessions_with_checkout, 0)', 'double'
        ) }} as purchase_rate,
        {{ gold_cast('sessions_with_purchase * 1.0 / nullif(sessions, 0)', 'double') }}
            as conversion_rate
    from daily
)

select * from final
