-- Free text as delivered (deltagande_parter, mal, kommentar) must never leave raw: only
-- the name-stripped *_utan_namn copies may appear in staging, intermediate or marts.

select table_schema, table_name, column_name
from information_schema.columns
where table_schema in ('staging', 'intermediate', 'marts')
    and table_name like '%followup%'
    and column_name in ('deltagande_parter', 'mal', 'kommentar')
