"""What a pipeline run did, written where ``make run`` can print it."""

from __future__ import annotations

import json
from pathlib import Path


def write_outcomes(source: str, outcomes: list[dict], report_dir: str | None) -> dict:
    """Count loaded/skipped/rejected deliveries; write them to ``report_dir/<source>.json`` if given."""
    summary = {
        "source": source,
        "loaded": [o for o in outcomes if o["status"] == "loaded"],
        "skipped": [o for o in outcomes if o["status"] == "skipped"],
        "rejected": [o for o in outcomes if o["status"] == "rejected"],
        "partly_rejected": [o for o in outcomes if o["status"] == "loaded" and o.get("report")],
    }
    if report_dir:
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        (Path(report_dir) / f"{source}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return summary


def read_outcomes(report_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(report_dir).glob("*.json"))]
