"""Problems found in a delivery, and the plain-words report written for the people who sent it.

Messages are in Swedish: they are read by the people who send the files.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.core import personnummer


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule at one place: file, row (the line in the file, header = row 1), column.

    ``part`` names a place inside the file when there is one: a workbook sheet (``blad Deltagare``)
    or a form inside a bulk export (``formulär F-12001``).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    part: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.part:
            where += f", {self.part}"
        if self.row is not None:
            where += f", rad {self.row}"
        if self.column:
            where += f", kolumn {self.column}"
        # the last guard: a personnummer is never repeated back, whatever field it was typed into
        return personnummer.mask(f"{where}: {self.message}")


def quote(value: object) -> str:
    """A value as found in the file, for messages (empty shown as such; a personnummer never: masked)."""
    if value is None or value == "":
        return "(tomt)"
    return f"\u201d{personnummer.mask(str(value))}\u201d"


def render_report(
    delivery_name: str, source_label: str, problems: list[Problem], loaded_forms: int = 0, rejected_forms: int = 0
) -> str:
    """The report sent back with a rejected delivery. A bulk export whose good forms were loaded
    (``loaded_forms``) is only partly rejected: the sender must resend the rejected forms only."""
    if loaded_forms:
        lines = [
            f"{loaded_forms} formulär i filen lästes in; {rejected_forms} avvisades och måste skickas igen "
            "när felen är rättade.",
            "",
            f"Leveransen {delivery_name} ({source_label}) har delvis avvisats.",
            f"{len(problems)} fel hittades. Rätta dem och skicka de avvisade formulären igen.",
        ]
    else:
        lines = [
            f"Leveransen {delivery_name} ({source_label}) har avvisats och inget av den har lästs in.",
            f"{len(problems)} fel hittades. Rätta dem och skicka hela leveransen igen.",
        ]
    lines += ["Radnumren räknas som i filen: rubrikraden är rad 1.", ""]
    lines += [f"- {p}" for p in sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or ""))]
    return "\n".join(lines) + "\n"
