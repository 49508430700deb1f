"""Airflow DAGs: one per source in the registry (ingestion/sources), from the landing folder to raw.

Each new delivery is validated against its contract and either loaded (COPY, with its load-audit row, in
one transaction) or quarantined whole with a report in Swedish; a DAG that loaded something emits its raw
tables' Assets, which schedule the warehouse DAG. The DAG ids are the source names: agreement_register,
followup_forms, survey, registry. Thin on purpose: the shape is ``ingestion.orchestration.dag_factory``,
the logic each source's pipeline.
"""

from ingestion.orchestration.dag_factory import source_dag
from ingestion.sources import SOURCES

for _source in SOURCES:
    globals()[_source.name] = source_dag(_source)
