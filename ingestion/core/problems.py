"""Problems found in a delivery, and the plain-words report written for the people who sent it.

Messages are in Swedish: they are read by the people who send the files.
"""

from __future__ import annotations

import gzip
import logging
import traceback
import zipfile
import zlib
from dataclasses import dataclass

from ingestion.core import personnummer

log = logging.getLogger(__name__)


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
        return f"{where}: {self.message}"

    def __post_init__(self) -> None:
        # a personnummer is never repeated back, whatever field it was typed into: masked where the problem
        # is made, so every report, XCom value and log line built from it is safe
        for name in ("file", "column", "message", "part"):
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, personnummer.mask(value))


def quote(value: object) -> str:
    """A value as found in the file, for messages (empty shown as such; a personnummer in it is masked by
    :class:`Problem`)."""
    if value is None or value == "":
        return "(tomt)"
    return f"\u201d{value}\u201d"


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


# Errors a damaged or half-uploaded file raises in the standard readers, in the sender's words.
_DAMAGED = (
    (zipfile.BadZipFile, "filen går inte att öppna som zip-arkiv (den kan vara skadad eller ofullständigt uppladdad)"),
    (gzip.BadGzipFile, "filen är inte gzip-komprimerad, fast namnet slutar på .gz"),
    (EOFError, "den komprimerade filen tar slut för tidigt (den kan vara ofullständigt uppladdad)"),
    (zlib.error, "den komprimerade filen är skadad och går inte att packa upp"),
    (UnicodeDecodeError, "filen har tecken som inte går att läsa i kontraktets teckenkodning"),
)


def unreadable(file_name: str, error: BaseException) -> Problem:
    """The problem for a delivery whose reading or checking broke off with ``error``: the delivery alone is
    rejected, the others of the run load. A damaged file is named as such; anything else is an unexpected
    error, reported by its type only (its text could hold delivered values) and logged for the engineers
    with where it happened, without the text."""
    if getattr(error, "addressed_to_sender", False):
        return Problem(file_name, None, None, str(error))  # its own message is the sender's (quotes nothing)
    for kind, message in _DAMAGED:
        if isinstance(error, kind):
            return Problem(file_name, None, None, message)
    where = "".join(traceback.format_tb(error.__traceback__)[-3:])
    log.error("oväntat fel (%s) när %s lästes; var:\n%s", type(error).__name__, file_name, where)
    return Problem(
        file_name,
        None,
        None,
        f"oväntat fel när filen lästes ({type(error).__name__}); leveransen har satts åt sidan och driften "
        "har fått felet: skicka inte om den förrän ni hört av oss",
    )
