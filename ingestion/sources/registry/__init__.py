"""Arbetsförmedlingen's monthly registry extracts (``registerutdrag``): the only person-level source."""

from ingestion.sources.base import Source
from ingestion.sources.registry.contract import LABEL, RAW_TABLES, SOURCE

ENTRY = Source(
    name=SOURCE,
    label=LABEL,
    description="Registerutdrag: pseudonymisera personnummer, validera och ladda varje ny månad, avvisa dåliga filer",
    raw_tables=tuple(RAW_TABLES),
    pipeline="ingestion.sources.registry.pipeline",
    item="month",
    parallel_items=1,  # one month at a time: each load already uses both cores (validation + the database)
    has_precheck=True,  # no pseudonymisation key, nothing is read
    pool="registry_load",  # task_policy.REGISTRY_POOL: one month at a time across all workers of a deployment
    tags=("ingest", SOURCE, "personuppgifter"),
)
