"""Survey exports (``enkätexporter``): any survey and wave, checked against its own codebook."""

from ingestion.sources.base import Source
from ingestion.sources.survey.contract import ANSWER_CELLS, LABEL, RAW_TABLES, SOURCE

ENTRY = Source(
    name=SOURCE,
    label=LABEL,
    description="Enkätexporter: hitta nya leveranser, validera mot kodboken, ladda till raw eller sätt i karantän",
    raw_tables=(*RAW_TABLES.values(), ANSWER_CELLS),
    pipeline="ingestion.sources.survey.pipeline",
    tags=("ingest", SOURCE),
)
