"""The sources the warehouse takes in, in the order their DAGs run (the register first: forms are
checked against it). ``make run`` and the run summary go through this list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingestion import register, survey
from ingestion.deliveries import file_checksum, find_deliveries, find_files, read_delivery


@dataclass(frozen=True)
class Source:
    name: str  # also the DAG id and the landing sub-folder
    label: str
    find: Callable[[Path], list[Path]]  # every delivery under the source's landing sub-folder
    checksum: Callable[[Path], str]


def _form_files(folder: Path) -> list[Path]:
    from ingestion.followup_forms import FILE_PATTERN

    return find_files(folder, FILE_PATTERN)


def _registry_files(folder: Path) -> list[Path]:
    from ingestion.registry_pipeline import delivery_files

    return delivery_files(folder)


def _registry_checksum(path: Path) -> str:
    from ingestion.registry_pipeline import checksum

    return checksum(path)


SOURCES: list[Source] = [
    Source(register.SOURCE, register.LABEL, lambda folder: find_deliveries(folder, register.DELIVERY_PATTERN),
           lambda path: read_delivery(path).checksum),
    Source("followup_forms", "uppföljningsformulär", _form_files, file_checksum),
    Source(survey.SOURCE, survey.LABEL, lambda folder: find_deliveries(folder, survey.DELIVERY_PATTERN),
           lambda path: read_delivery(path).checksum),
    Source("registry", "registerutdrag", _registry_files, _registry_checksum),
]
