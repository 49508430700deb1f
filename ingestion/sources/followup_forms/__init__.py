"""Semiannual follow-up forms (``uppföljningsformulär``): workbooks and web-tool exports, judged form by form."""

from ingestion.sources.base import Source
from ingestion.sources.followup_forms.contract import LABEL, RAW_TABLES, SOURCE

ENTRY = Source(
    name=SOURCE,
    label=LABEL,
    description="Uppföljningsformulär: hitta nya arbetsböcker och exporter, validera varje formulär, ladda till raw",
    raw_tables=tuple(RAW_TABLES),
    pipeline="ingestion.sources.followup_forms.pipeline",
    item="batch",  # GX is set up once per batch of files
    tags=("ingest", SOURCE),
)
