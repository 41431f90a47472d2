with source as (

    select * from {{ ref('needs_memory') }}

),

final as (

    select distinct_numbers from source

)

select * from final
