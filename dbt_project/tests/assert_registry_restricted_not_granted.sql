-- Analysts must not reach person-level registry data: no usage on the schemas raw, staging,
-- intermediate and restricted, and no privilege on any of their registry tables or views.
-- Returns what analyst can reach.
{{ config(tags=['registry']) }}

with

schemas as (

    select schema_name
    from (values ('raw'), ('staging'), ('intermediate'), ('restricted')) as closed (schema_name)
    where has_schema_privilege('analyst', schema_name, 'usage')

),

relations as (

    select table_schema || '.' || table_name as relation_name
    from information_schema.tables
    where table_schema in ('raw', 'staging', 'intermediate', 'restricted')
        and (table_schema = 'restricted' or table_name like '%registry%')
        and has_table_privilege('analyst', quote_ident(table_schema) || '.' || quote_ident(table_name), 'select')

),

problems as (

    select 'schema ' || schema_name as reachable from schemas
    union all
    select relation_name from relations

)

select * from problems
