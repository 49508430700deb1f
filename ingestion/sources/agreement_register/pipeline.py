"""The agreement register pipeline: a folder-per-delivery source (see :mod:`ingestion.sources.folder_pipeline`)."""

from __future__ import annotations

from pathlib import Path

from ingestion.sources import folder_pipeline
from ingestion.sources.agreement_register import reading, rules
from ingestion.sources.agreement_register.contract import DELIVERY_PATTERN, LABEL, SOURCE

SPEC = folder_pipeline.FolderSource(SOURCE, LABEL, DELIVERY_PATTERN, rules.validate, reading.raw_tables)
checksum = folder_pipeline.checksum


def delivery_paths(folder: Path, finished_only: bool = True) -> list[Path]:
    return folder_pipeline.delivery_paths(SPEC, folder, finished_only)


def find_new(landing: Path | str | None = None, url: str | None = None) -> list[str]:
    return folder_pipeline.find_new(SPEC, landing, url)


def process(path: str, landing: str | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    return folder_pipeline.process(SPEC, path, run_id, url)
