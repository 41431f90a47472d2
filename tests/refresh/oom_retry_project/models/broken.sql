-- Fails for a reason other than memory: never retried.
select cast('not a number' as integer) as id
