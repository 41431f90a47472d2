{{ config(post_hook="attach ':memory:' as left_by_an_earlier_model") }}

select 1 as id
