"""A delivered form file by its kind: a workbook is one form, an export many."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ingestion.core.problems import Problem
from ingestion.sources.followup_forms.export import read_export
from ingestion.sources.followup_forms.model import Form
from ingestion.sources.followup_forms.workbook import read_workbook


def read_file(path: Path, received_at: datetime) -> tuple[list[Form], list[Problem]]:
    """A delivered file by its kind: a workbook is one form, an export many."""
    path = Path(path)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return [read_workbook(data, path.name, received_at)], []
    if suffix == ".csv":
        return read_export(data, path.name)
    return [], [
        Problem(
            path.name, None, None, "okänd filtyp: formulär skickas som Excel-arbetsbok (.xlsx) eller som export (.csv)"
        )
    ]
