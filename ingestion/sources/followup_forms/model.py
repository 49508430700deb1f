"""One form version in the common model of both formats (:class:`Form`), so that validation and
loading never need to know where a form came from, and the same form delivered both ways ends in the
same rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ingestion.core import personnummer
from ingestion.core.problems import Problem
from ingestion.privacy.free_text import strip_names
from ingestion.sources.followup_forms.contract import (
    ASSESSMENT_CODES,
    CONTENT_FIELDS,
    COUNTS,
    INFO,
    INFO_LABELS,
    ITEMS,
    LEVELS,
    TARGET_GROUPS,
    ZERO_WHEN_EMPTY,
)
from ingestion.sources.followup_forms.values import (
    as_age_group,
    as_answer,
    as_code,
    as_date,
    as_question,
    as_region,
    as_sex,
    as_template,
    as_text,
    as_unit,
    as_whole,
    goal_value,
    municipalities,
    parse_period,
)


@dataclass
class SourcePlaces:
    """Where each value of a form was found, so that a problem names sheet, row and column (or CSV line
    and field) as the sender sees them. Not part of the form's content."""

    parts: dict[str, str] = field(default_factory=dict)  # section -> "blad Mål" / "formulär F-1"
    sections_read: set[str] = field(default_factory=set)  # sections whose sheet/header was found
    info: dict[str, tuple[int | None, str]] = field(default_factory=dict)  # header field -> (row, column)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # section -> key -> column label
    cells: dict[tuple[str, int, str], tuple[int | None, str]] = field(default_factory=dict)  # CSV: per value
    as_found: dict[str, Any] = field(default_factory=dict)  # header values that did not normalise
    missing_info: set[str] = field(default_factory=set)  # Uppgifter labels not found (already a problem)
    formula_cells: set[tuple[str, int, str]] = field(default_factory=set)  # (section, row, column) without value


@dataclass
class Form:
    """One form version, parsed into the common model of both formats."""

    form_id: str
    source_format: str
    source_file: str
    overenskommelse_id: str | None = None
    period: str | None = None
    period_as_written: str | None = None
    template_version: str | None = None
    submitted_at: datetime | None = None
    submitted_at_basis: str = "ankomsttid"
    overenskommelse_namn: str | None = None
    kommuner_as_written: str | None = None
    kommunkoder: list[str] = field(default_factory=list)
    motesdatum: date | None = None
    deltagande_parter: str | None = None
    samverkansniva: str | None = None
    goals: list[dict] = field(default_factory=list)
    assessments: list[dict] = field(default_factory=list)
    participants: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    places: SourcePlaces = field(default_factory=SourcePlaces, repr=False, compare=False)

    @property
    def deltagande_parter_utan_namn(self) -> str | None:
        """Roles are asked for, names are sometimes written: only the cleaned copy reaches analysts."""
        return strip_names(self.deltagande_parter)

    @property
    def content_checksum(self) -> str:
        """Checksum of what the form says, not of the file: the same form in two exports (at other line
        numbers) or in two copies of a workbook is recognisable."""

        def canonical(value: Any) -> str:
            return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_value)

        payload: dict[str, Any] = {name: getattr(self, name) for name in CONTENT_FIELDS}
        for name in ITEMS.values():  # rows in any order (an export need not list them in sheet order)
            payload[name] = sorted(
                canonical({k: v for k, v in item.items() if not k.startswith("_") and not k.endswith("_utan_namn")})
                for item in getattr(self, name)
            )
        return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()

    def header_row(self) -> dict:
        """The row for raw.followup_forms (without ``_load_id``)."""
        return {
            "form_id": self.form_id,
            "source_format": self.source_format,
            "source_file": self.source_file,
            "content_checksum": self.content_checksum,
            "overenskommelse_id": self.overenskommelse_id,
            "period": self.period,
            "period_as_written": self.period_as_written,
            "template_version": self.template_version,
            "submitted_at": self.submitted_at,
            "submitted_at_basis": self.submitted_at_basis,
            "overenskommelse_namn": self.overenskommelse_namn,
            "kommuner_as_written": self.kommuner_as_written,
            "kommunkoder": ",".join(self.kommunkoder) if self.kommunkoder else None,
            "motesdatum": self.motesdatum,
            "deltagande_parter": self.deltagande_parter,
            "deltagande_parter_utan_namn": self.deltagande_parter_utan_namn,
            "samverkansniva": self.samverkansniva,
        }

    def place(self, section: str, index: int | None, key: str) -> tuple[int | None, str | None]:
        """(row, column) of a value as the sender sees it: sheet row and label, or CSV line and field."""
        if section == INFO:
            return self.places.info.get(key, (None, INFO_LABELS.get(key, (key,))[0]))
        if index is not None and (section, index, key) in self.places.cells:
            return self.places.cells[(section, index, key)]
        items = getattr(self, ITEMS[section])
        row = items[index]["_source_row"] if index is not None and index < len(items) else None
        return row, self.places.labels.get(section, {}).get(key, key)

    def problem(self, section: str, index: int | None, key: str | None, message: str) -> Problem:
        row, column = self.place(section, index, key) if key else (None, None)
        return Problem(self.source_file, row, column, message, self.places.parts.get(section))


def _json_value(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def set_info(form: Form, key: str, value: object) -> None:
    """Put one Uppgifter value into the model (normalised; kept as found where it does not normalise)."""
    if key == "overenskommelse_id":
        form.overenskommelse_id = as_text(value)
    elif key == "overenskommelse_namn":
        form.overenskommelse_namn = as_text(value)
    elif key == "kommuner":
        form.kommuner_as_written = as_text(value)
        form.kommunkoder = municipalities(form.kommuner_as_written)[0]
    elif key == "period":
        form.period_as_written = as_text(value)
        form.period = parse_period(form.period_as_written)
    elif key == "motesdatum":
        parsed = as_date(value)
        form.motesdatum = parsed if isinstance(parsed, date) else None
        if isinstance(parsed, str):
            form.places.as_found["motesdatum"] = parsed
    elif key == "deltagande_parter":
        form.deltagande_parter = free_text(value)
    elif key == "template_version":
        form.template_version = as_template(value)
    elif key == "samverkansniva":
        form.samverkansniva = as_code(value, LEVELS)


def free_text(value: object) -> str | None:
    """A free-text field as written, except that a personnummer in it is masked (``[personnummer]``): it
    never reaches the database, not even raw. The fields that are not free text reject one instead (rules)."""
    return personnummer.mask(as_text(value))


def goal_item(row: int | None, values: dict[str, object], nr: object) -> dict:
    unit = as_unit(values.get("enhet"))
    mal, comment = free_text(values.get("mal")), free_text(values.get("kommentar"))
    return {
        "_source_row": row,
        "nr": as_whole(nr),
        "mal": mal,
        "mal_utan_namn": strip_names(mal),
        "malgrupp": as_code(values.get("malgrupp"), TARGET_GROUPS),
        "indikator": as_text(values.get("indikator")),
        "enhet": unit,
        "malvarde": goal_value(values.get("malvarde"), unit),
        "utfall": goal_value(values.get("utfall"), unit),
        "bedomning": as_code(values.get("bedomning"), ASSESSMENT_CODES),
        "kommentar": comment,
        "kommentar_utan_namn": strip_names(comment),
    }


def assessment_item(row: int | None, question: object, values: dict[str, object]) -> dict:
    comment = free_text(values.get("kommentar"))
    return {
        "_source_row": row,
        "fraga": as_question(question),
        "svar": as_answer(values.get("svar")),
        "kommentar": comment,
        "kommentar_utan_namn": strip_names(comment),
    }


def participant_item(row: int | None, values: dict[str, object]) -> dict:
    item: dict[str, Any] = {
        "_source_row": row,
        "malgrupp": as_code(values.get("malgrupp"), TARGET_GROUPS),
        "kon": as_sex(values.get("kon")),
        "aldersgrupp": as_age_group(values.get("aldersgrupp")),
        "fodelseregion": as_region(values.get("fodelseregion")),
    }
    for key in COUNTS:
        number = as_whole(values.get(key))
        item[key] = 0 if number is None and key in ZERO_WHEN_EMPTY else number
    return item
