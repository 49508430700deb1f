"""Reading a bulk CSV export of the web tool: one row per value, many forms per file, grouped by
``formular_id``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ingestion.core.csv_files import CsvError, decode, read_csv
from ingestion.core.problems import Problem, quote
from ingestion.sources.followup_forms.contract import (
    ASSESSMENTS,
    EXPORT_COLUMNS,
    EXPORT_FIELDS,
    EXPORT_FORM_COLUMNS,
    EXPORT_INFO,
    GOALS,
    INFO,
    LOCAL_TIME,
    PARTICIPANTS,
    SECTIONS,
)
from ingestion.sources.followup_forms.model import Form, assessment_item, goal_item, participant_item, set_info
from ingestion.sources.followup_forms.values import loose_label


def read_export(data: bytes, file_name: str) -> tuple[list[Form], list[Problem]]:
    """All forms of a bulk export (grouped by ``formular_id``); the second list holds problems that make the
    whole file unusable (unreadable, header), so no form in it can be trusted."""
    try:
        table = read_csv(decode(data, ("utf-8-sig", "cp1252")))
    except CsvError as exc:
        return [], [Problem(file_name, None, None, str(exc))]
    header = [loose_label(h).replace(" ", "_") for h in table.header]
    missing = [c for c in EXPORT_COLUMNS if c not in header]
    if missing:
        return [], [
            Problem(
                file_name,
                1,
                c,
                f"kolumnen saknas i rubrikraden (exporten ska ha kolumnerna {', '.join(EXPORT_COLUMNS)})",
            )
            for c in missing
        ]
    position = {c: header.index(c) for c in EXPORT_COLUMNS}
    file_problems: list[Problem] = []
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    short_lines: dict[str, list[Problem]] = {}
    for line, cells in table.rows:
        form_id = cells[0].strip() if cells and position["formular_id"] == 0 else None
        if len(cells) != len(header):
            problem = Problem(file_name, line, None, f"raden har {len(cells)} fält men rubrikraden har {len(header)}")
            if form_id:
                short_lines.setdefault(form_id, []).append(problem)
            else:
                file_problems.append(problem)
            continue
        record = {c: cells[position[c]] for c in EXPORT_COLUMNS}
        form_id = record["formular_id"].strip()
        if not form_id:
            file_problems.append(
                Problem(file_name, line, "formular_id", "formular_id saknas: raden kan inte knytas till något formulär")
            )
            continue
        grouped.setdefault(form_id, []).append((line, record))
    forms = [_export_form(file_name, form_id, lines) for form_id, lines in grouped.items()]
    for form in forms:
        for problem in short_lines.pop(form.form_id, []):
            form.problems.append(Problem(problem.file, problem.row, None, problem.message, f"formulär {form.form_id}"))
    for problems in short_lines.values():
        file_problems += problems
    return forms, file_problems


def _export_form(file_name: str, form_id: str, lines: list[tuple[int, dict[str, str]]]) -> Form:
    form = Form(form_id=form_id, source_format="csv", source_file=file_name, submitted_at_basis="webbverktyget")
    part = f"formulär {form_id}"
    places = form.places
    places.parts = dict.fromkeys(SECTIONS, part)
    places.sections_read = set(SECTIONS)
    first_line, first = lines[0]

    def problem(line: int | None, column: str | None, message: str) -> None:
        form.problems.append(Problem(file_name, line, column, message, part))

    for column in EXPORT_FORM_COLUMNS:
        for line, record in lines[1:]:
            if record[column].strip() != first[column].strip():
                problem(
                    line,
                    column,
                    f"formuläret har olika värden i {column}: {quote(first[column].strip())} "
                    f"(rad {first_line}) och {quote(record[column].strip())} (rad {line}); "
                    "alla rader i ett formulär ska ha samma värde",
                )
                break
    places.info.update(
        {
            "overenskommelse_id": (first_line, "overenskommelse_id"),
            "period": (first_line, "period"),
            "template_version": (first_line, "mallversion"),
        }
    )
    # Uppgifter lines that are missing are named by their field on the form's first line.
    places.info.update({field_name: (first_line, name) for name, field_name in EXPORT_INFO.items()})
    set_info(form, "overenskommelse_id", first["overenskommelse_id"])
    set_info(form, "period", first["period"])
    set_info(form, "template_version", first["mallversion"])
    submitted = _local_timestamp(first["inskickad"])
    if submitted is None:
        problem(
            first_line,
            "inskickad",
            f"inskickad {quote(first['inskickad'].strip())} är ingen tidpunkt (väntade ÅÅÅÅ-MM-DD TT:MM:SS)",
        )
    form.submitted_at = submitted

    seen: dict[tuple[str, str, str], tuple[int, str]] = {}
    rows: dict[str, dict[str, dict[str, tuple[int, str]]]] = {GOALS: {}, ASSESSMENTS: {}, PARTICIPANTS: {}}
    for line, record in lines:
        section = loose_label(record["avsnitt"]).replace(" ", "_")
        key, name, value = record["rad"].strip(), loose_label(record["falt"]).replace(" ", "_"), record["varde"]
        if section not in SECTIONS:
            problem(
                line,
                "avsnitt",
                f"okänt avsnitt {quote(record['avsnitt'].strip())} (avsnitten är {', '.join(SECTIONS)})",
            )
            continue
        allowed = ("varde",) if section == INFO else EXPORT_FIELDS[section]
        if name not in allowed:
            problem(
                line,
                "falt",
                f"okänt fält {quote(record['falt'].strip())} i avsnittet {section} (fälten är {', '.join(allowed)})",
            )
            continue
        identity = (section, key.lower(), name)
        if identity in seen and seen[identity][1].strip() != value.strip():
            # Two different values for one cell: ambiguous. The later one is kept so that its own rules
            # are checked too (an export line appended as a correction is the usual cause).
            earlier_line, earlier = seen[identity]
            problem(
                line,
                name,
                f"{section} {quote(key)} {name} har två olika värden: {quote(earlier.strip())} på "
                f"rad {earlier_line} och {quote(value.strip())} på rad {line} (regel: varje värde "
                "finns en gång per formulär)",
            )
        seen[identity] = (line, value)
        if section == INFO:
            field_name = EXPORT_INFO.get(key.lower())
            if field_name is None:
                problem(
                    line,
                    "rad",
                    f"okänd uppgift {quote(key)} i avsnittet uppgifter (uppgifterna är {', '.join(EXPORT_INFO)})",
                )
                continue
            places.info[field_name] = (line, key.lower())
            set_info(form, field_name, value)
        else:
            rows[section].setdefault(key, {})[name] = (line, value)

    for index, (nr, fields) in enumerate(rows[GOALS].items()):
        values = {name: value for name, (_, value) in fields.items()}
        start = min(line for line, _ in fields.values())
        form.goals.append(goal_item(start, values, nr))
        places.cells[(GOALS, index, "nr")] = (start, "rad")
        places.cells.update({(GOALS, index, name): (line, name) for name, (line, _) in fields.items()})
    for index, (question, fields) in enumerate(rows[ASSESSMENTS].items()):
        start = min(line for line, _ in fields.values())
        form.assessments.append(assessment_item(start, question, {name: value for name, (_, value) in fields.items()}))
        places.cells[(ASSESSMENTS, index, "fraga")] = (start, "rad")
        places.cells.update({(ASSESSMENTS, index, name): (line, name) for name, (line, _) in fields.items()})
    for key, fields in rows[PARTICIPANTS].items():
        start = min(line for line, _ in fields.values())
        parts = key.split("|")
        if len(parts) == 2:
            parts += ["", ""]
        if len(parts) != 4:
            problem(
                start,
                "rad",
                f"raden {quote(key)} i avsnittet deltagare ska vara malgrupp|kon|aldersgrupp|fodelseregion",
            )
            continue
        index = len(form.participants)
        values: dict[str, object] = dict(zip(("malgrupp", "kon", "aldersgrupp", "fodelseregion"), parts, strict=True))
        values.update({name: value for name, (_, value) in fields.items()})
        form.participants.append(participant_item(start, values))
        for name in ("malgrupp", "kon", "aldersgrupp", "fodelseregion"):
            places.cells[(PARTICIPANTS, index, name)] = (start, "rad")
        places.cells.update({(PARTICIPANTS, index, name): (line, name) for name, (line, _) in fields.items()})
    if form.template_version == "2023.1":
        for index, item in enumerate(form.participants):
            if item["aldersgrupp"] is not None or item["fodelseregion"] is not None:
                row, _ = form.place(PARTICIPANTS, index, "aldersgrupp")
                problem(
                    row,
                    "rad",
                    "åldersgrupp och födelseregion finns bara i mallversion 2024.1, men formuläret "
                    "har mallversion 2023.1",
                )
    return form


def _local_timestamp(text: str) -> datetime | None:
    """``inskickad`` is naive Swedish local time: attach Europe/Stockholm and convert to UTC."""
    text = text.strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=LOCAL_TIME).astimezone(UTC)
    return None
