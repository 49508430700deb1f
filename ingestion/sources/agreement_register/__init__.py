"""The agreement register (``överenskommelseregistret``): a full snapshot of every agreement, per delivery."""

from ingestion.sources.agreement_register.contract import LABEL, RAW_TABLES, SOURCE
from ingestion.sources.base import Source

ENTRY = Source(
    name=SOURCE,
    label=LABEL,
    description="Överenskommelseregistret: hitta nya leveranser, validera (GX), ladda till raw eller sätt i karantän",
    raw_tables=tuple(RAW_TABLES.values()),
    pipeline="ingestion.sources.agreement_register.pipeline",
    tags=("ingest", SOURCE),
)
