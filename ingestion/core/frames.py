"""Small helpers for the text-as-delivered DataFrames that source modules validate.

Shared by the folder-per-delivery sources (register, surveys) so that "blank", "missing" and
"not a date" mean the same everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# The column that carries each record's line in the delivered file (header = line 1), so that GX
# failures and the rules name the row.
ROW_COLUMN = "_rad"


def stripped(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """``_rad`` and the given columns (default: all) with surrounding blanks removed; missing stays None."""
    import pandas as pd

    columns = columns if columns is not None else [c for c in frame.columns if c != ROW_COLUMN]
    out = frame[[ROW_COLUMN, *columns]].copy()
    for column in columns:  # a list, not Series.map: map would turn None into NaN
        out[column] = pd.Series(
            [v.strip() if isinstance(v, str) else None for v in out[column]], index=out.index, dtype=object
        )
    return out


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with ``None`` for missing values (pandas may hand back NaN)."""
    return [
        {k: (None if not isinstance(v, str | int) else v) for k, v in row.items()} for row in frame.to_dict("records")
    ]


def parse_iso_date(value: str | None) -> date | None:
    """``YYYY-MM-DD`` as a date; anything else (empty, other formats, 2024-02-30) as None."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
