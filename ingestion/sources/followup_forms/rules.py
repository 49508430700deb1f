"""The follow-up form's rules. Row-level ones (required values, allowed codes, whole numbers, ranges)
are GX suites under ``expectations/followup_forms/``, one per section; GX is slow to set up, so
:func:`validate_forms` runs each suite once over the rows of all forms in a batch and maps failures
back to their form. Rules across fields or rows (sums, uniqueness within a form, the register, the
period having ended, official municipality codes) are checked here in plain Python.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ingestion.core import personnummer
from ingestion.core.frames import ROW_COLUMN
from ingestion.core.problems import Problem, quote
from ingestion.sources.followup_forms.contract import (
    ASSESSMENTS,
    COUNTS,
    GOALS,
    INFO,
    ITEMS,
    LOCAL_TIME,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS,
    SECTIONS,
    SUITES,
)
from ingestion.sources.followup_forms.model import Form
from ingestion.sources.followup_forms.values import municipalities, period_end
from ingestion.validation.gx import validate_frames

# GX sees every form of a batch in one frame; its single index column carries form and item together.
ROW_BASE = 1_000_000


def validate_forms(forms: list[Form], known_agreements: Collection[str]) -> None:
    """Check every rule on every form and append the problems to each form's ``problems``.

    GX runs once per section over the rows of all forms together (setting GX up costs far more than
    checking a few rows); the cross-field rules follow per form in Python.
    """
    import pandas as pd

    records: dict[str, list[dict]] = {section: [] for section in SECTIONS}
    for number, form in enumerate(forms):
        if INFO in form.places.sections_read:
            records[INFO].append(
                {
                    ROW_COLUMN: number * ROW_BASE,
                    "overenskommelse_id": form.overenskommelse_id,
                    "period": form.period or form.period_as_written,
                    "template_version": form.template_version,
                    "kommuner": form.kommuner_as_written,
                    "motesdatum": form.motesdatum.isoformat()
                    if form.motesdatum
                    else form.places.as_found.get("motesdatum"),
                    "samverkansniva": form.samverkansniva,
                }
            )
        for section, attribute in ITEMS.items():
            if section in form.places.sections_read:
                for index, item in enumerate(getattr(form, attribute)):
                    records[section].append(
                        {
                            ROW_COLUMN: number * ROW_BASE + index,
                            **{k: v for k, v in item.items() if not k.startswith("_")},
                        }
                    )
    frames = {section: pd.DataFrame(rows, dtype=object) for section, rows in records.items() if rows}
    for problem in validate_frames({s: SUITES[s] for s in frames}, frames):
        if problem.row is None:  # a suite that cannot run on these columns: a fault here, not in the file
            raise RuntimeError(f"GX-sviten {SUITES[problem.file]} kunde inte köras: {problem}")
        number, index = divmod(problem.row, ROW_BASE)
        form = forms[number]
        section = problem.file
        if section == INFO and problem.column in form.places.missing_info:
            continue  # the missing label is the problem; "must be filled in" would only repeat it
        found = form.problem(
            section,
            None if section == INFO else index,
            problem.column,
            _context(form, section, index) + problem.message,
        )
        if (section, found.row, found.column) in form.places.formula_cells:
            continue  # a formula without a saved value is reported as such, not as an empty cell
        form.problems.append(found)
    known = {a.strip() for a in known_agreements if a}
    for form in forms:
        form.problems += _form_problems(form, known)
        form.problems = list(dict.fromkeys(form.problems))


def _context(form: Form, section: str, index: int) -> str:
    """Name the question or goal a row is about (``fråga F5: ``): people know their form by those, not by rows."""
    if section == ASSESSMENTS and index < len(form.assessments):
        code = form.assessments[index]["fraga"]
        return f"fråga {code}: " if code else ""
    if section == GOALS and index < len(form.goals):
        nr = form.goals[index]["nr"]
        return f"mål {nr}: " if nr is not None else ""
    return ""


# Free text: a personnummer in it is masked as it is read (model.free_text), so it never reaches the
# database; names are stripped in the *_utan_namn copy, the only one that leaves raw. Every other field
# (ids, codes, numbers, dates) is not free text: a personnummer there rejects the form.
FREE_TEXT = frozenset({"mal", "kommentar", "deltagande_parter"})
# header fields of the model -> their key in Uppgifter (where the problem is placed)
HEADER_FIELDS = {
    "overenskommelse_id": "overenskommelse_id",
    "overenskommelse_namn": "overenskommelse_namn",
    "kommuner_as_written": "kommuner",
    "period_as_written": "period",
    "template_version": "template_version",
    "samverkansniva": "samverkansniva",
}
PERSONNUMMER_RULE = (
    "fältet innehåller ett personnummer (regel: personnummer skickas aldrig i uppföljningen, utom "
    "maskerade i fritext; värdet visas inte)"
)


def _personnummer_problems(form: Form) -> list[Problem]:
    problems = []
    for attribute, key in HEADER_FIELDS.items():
        value = getattr(form, attribute)
        if value is not None and personnummer.contains(str(value)):
            problems.append(form.problem(INFO, None, key, PERSONNUMMER_RULE))
    for section, attribute in ITEMS.items():
        for index, item in enumerate(getattr(form, attribute)):
            for key, value in item.items():
                if key.startswith("_") or key in FREE_TEXT or key.endswith("_utan_namn") or value is None:
                    continue
                if personnummer.contains(str(value)):
                    problems.append(form.problem(section, index, key, PERSONNUMMER_RULE))
    return problems


def _form_problems(form: Form, known: set[str]) -> list[Problem]:
    """Rules that need more than one value, the register or the official code lists."""
    problems: list[Problem] = _personnummer_problems(form)
    read = form.places.sections_read
    if INFO in read:
        if form.overenskommelse_id and form.overenskommelse_id not in known:
            problems.append(
                form.problem(
                    INFO,
                    None,
                    "overenskommelse_id",
                    f"överenskommelsen {quote(form.overenskommelse_id)} finns inte i överenskommelseregistret "
                    "(regel: Överenskommelse-ID ska vara id:t för en överenskommelse i registret)",
                )
            )
        if form.period and form.submitted_at:
            received = form.submitted_at.astimezone(LOCAL_TIME).date()
            end = period_end(form.period)
            if end > received:
                problems.append(
                    form.problem(
                        INFO,
                        None,
                        "period",
                        f"perioden {form.period} har inte tagit slut (den slutar {end.isoformat()}) men formuläret kom "
                        f"in {received.isoformat()} (regel: ett formulär lämnas för ett halvår som har tagit slut)",
                    )
                )
        for part in municipalities(form.kommuner_as_written)[1]:
            problems.append(
                form.problem(
                    INFO,
                    None,
                    "kommuner",
                    f"kommunen {quote(part)} finns inte bland Sveriges 290 kommuner (regel: Kommun(er) anges som "
                    "kommunkoder, t.ex. 0181, eller kommunnamn, t.ex. Södertälje, åtskilda med kommatecken)",
                )
            )
    if GOALS in read:
        problems += _duplicates(
            form,
            GOALS,
            form.goals,
            lambda g: g["nr"] if isinstance(g["nr"], int) else None,
            "nr",
            lambda nr, rows: f"målnummer {nr} finns på flera rader ({rows}) (regel: varje mål har ett eget Nr)",
        )
    if ASSESSMENTS in read:
        problems += _duplicates(
            form,
            ASSESSMENTS,
            form.assessments,
            lambda a: a["fraga"],
            "fraga",
            lambda q, rows: (
                f"frågan {q} besvaras på flera rader ({rows}) (regel: varje fråga F1–F12 besvaras högst en gång)"
            ),
        )
    if PARTICIPANTS in read:
        problems += _participant_problems(form)
        problems += _duplicates(
            form,
            PARTICIPANTS,
            form.participants,
            lambda p: (p["malgrupp"], p["kon"], p["aldersgrupp"], p["fodelseregion"]),
            "malgrupp",
            lambda key, rows: (
                f"målgrupp {key[0]}, kön {key[1]}, åldersgrupp {key[2] or '(tomt)'}, födelseregion "
                f"{key[3] or '(tomt)'} finns på flera rader ({rows}) (regel: varje kombination "
                "redovisas på en rad)"
            ),
        )
    return problems


def _duplicates(form: Form, section: str, items: list[dict], key_of, column: str, message) -> list[Problem]:
    first: dict[Any, int] = {}
    problems = []
    for index, item in enumerate(items):
        key = key_of(item)
        if key is None or (isinstance(key, tuple) and key[0] is None):
            continue
        if key in first:
            rows = f"rad {form.place(section, first[key], column)[0]} och {form.place(section, index, column)[0]}"
            problems.append(form.problem(section, index, column, message(key, rows)))
        else:
            first[key] = index
    return problems


def _participant_problems(form: Form) -> list[Problem]:
    """Nya ≤ Deltagare, Avslutade ≤ Deltagare, Till arbete + Till studier ≤ Avslutade (on valid counts only:
    a count that is not a whole number ≥ 0 has its own problem already)."""
    problems = []

    def label(index: int, key: str) -> str:
        return form.place(PARTICIPANTS, index, key)[1] or key

    for index, item in enumerate(form.participants):
        counts = {k: item[k] for k in COUNTS}
        if not all(isinstance(v, int) and v >= 0 for v in counts.values()):
            continue
        for part in ("nya", "avslutade"):
            if counts[part] > counts["deltagare"]:
                problems.append(
                    form.problem(
                        PARTICIPANTS,
                        index,
                        part,
                        f"{label(index, part)} ({counts[part]}) är fler än {label(index, 'deltagare')} "
                        f"({counts['deltagare']}) (regel: {PARTICIPANT_COLUMNS[part]} får inte vara fler än Deltagare)",
                    )
                )
        moved = counts["till_arbete"] + counts["till_studier"]
        if moved > counts["avslutade"]:
            problems.append(
                form.problem(
                    PARTICIPANTS,
                    index,
                    "till_arbete",
                    f"{label(index, 'till_arbete')} + {label(index, 'till_studier')} ({moved}) är fler än "
                    f"{label(index, 'avslutade')} ({counts['avslutade']}) (regel: de som gått till arbete eller "
                    "studier räknas bland de avslutade)",
                )
            )
    return problems
