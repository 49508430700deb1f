"""What happened to one delivery: the one outcome type every source returns.

A DAG task hands outcomes to the next as XCom, so they travel as plain dicts (:meth:`Outcome.to_dict`);
the run summary and ``make run`` read them back with :meth:`Outcome.from_dict`. Fields that only some
sources fill (forms counted per file, registry rows set aside) have neutral defaults, so every reader
can treat every outcome alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

Status = Literal["loaded", "skipped", "rejected"]


@dataclass
class Outcome:
    source: str
    delivery: str  # the delivery's name as sent (folder, zip or file name)
    path: str
    checksum: str
    status: Status = "rejected"
    snapshot_date: str | None = None  # ISO date the delivery describes (register snapshot, registry month)
    n_rows: int = 0
    load_id: int | None = None
    report: str | None = None  # the report written for the sender: an error report, or a warning
    problems: list[str] = field(default_factory=list)
    # follow-up forms: one file holds many forms, each judged on its own
    forms_loaded: int = 0
    forms_already_loaded: int = 0
    forms_rejected: int = 0
    # registry extracts: rows set aside within the tolerance, and the load a re-delivered month replaced
    n_rejected_rows: int = 0
    replaced_load_id: int | None = None

    @property
    def partly_rejected(self) -> bool:
        """Loaded, but with a report: some forms or rows of it were rejected and must be sent again."""
        return self.status == "loaded" and self.report is not None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
