-- Survey free text as delivered (raw.survey_answers.varde) must never leave raw: no survey
-- model in staging, intermediate or marts may have a varde column.

select table_schema, table_name, column_name
from information_schema.columns
where table_schema in ('staging', 'intermediate', 'marts')
    and table_name like '%survey%'
    and column_name = 'varde'
