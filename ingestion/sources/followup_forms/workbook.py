"""Reading an Excel workbook (templates 2023.1 and 2024.1) as one form: sheets found by name, labels
and table headers found by text wherever their row is, formulas without a saved value reported.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime
from typing import Any

from ingestion.core.deliveries import UnsafeArchive, check_archive
from ingestion.core.problems import Problem, quote
from ingestion.sources.followup_forms.contract import (
    ASSESSMENTS,
    GOALS,
    HEADER_SEARCH_ROWS,
    INFO,
    INFO_LABELS,
    ITEMS,
    OPTIONAL_COLUMNS,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS,
    SHEETS,
    TABLE_COLUMNS,
    TEMPLATE_COLUMNS,
)
from ingestion.sources.followup_forms.model import Form, assessment_item, goal_item, participant_item, set_info
from ingestion.sources.followup_forms.values import as_text, as_utc, column_letter, loose_label


def read_workbook(data: bytes, file_name: str, received_at: datetime) -> Form:
    """One workbook as one form. Structural problems (unreadable, sheets, labels, columns, template) are
    recorded on the form here; the rules are checked by
    :func:`ingestion.sources.followup_forms.rules.validate_forms`."""
    form = Form(
        form_id="xlsx-" + hashlib.sha256(data).hexdigest()[:16],
        source_format="xlsx",
        source_file=file_name,
        submitted_at=as_utc(received_at),
        submitted_at_basis="ankomsttid",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive, file_name)
    except UnsafeArchive as error:
        form.problems.append(Problem(file_name, None, None, str(error)))
        return form
    except zipfile.BadZipFile:
        pass  # reported below, as any file that does not open as a workbook
    try:
        sheet_titles, rows = _read_sheets(data)
        modified = _saved_time(data)
        formulas = _formulas_without_values(data, rows) if _has_formulas(data) else {}
    except Exception:  # not a zip, a zip without a workbook, a damaged part: all mean the same to the sender
        form.problems.append(
            Problem(
                file_name,
                None,
                None,
                "filen går inte att öppna som en Excel-arbetsbok (.xlsx); spara formuläret i Excel som "
                "”Excel-arbetsbok (*.xlsx)” och skicka det igen",
            )
        )
        return form
    if modified is not None:
        form.submitted_at, form.submitted_at_basis = modified, "dokumentegenskap"
    for section, name in SHEETS.items():
        if section in rows:
            form.places.parts[section] = f"blad {sheet_titles[section]}"
        else:
            form.problems.append(
                Problem(
                    file_name,
                    None,
                    None,
                    f"bladet {name} saknas (arbetsboken har bladen: {', '.join(sheet_titles['*'])}; mallen har bladen "
                    f"{', '.join(SHEETS.values())})",
                )
            )
    if INFO in rows:
        _read_info_sheet(form, rows[INFO])
    for section in (GOALS, ASSESSMENTS, PARTICIPANTS):
        if section in rows:
            _read_table_sheet(form, section, rows[section])
    for (section, row, column), formula in sorted(formulas.items()):
        label = _formula_column(form, section, rows[section], row, column)
        letter = column_letter(column)
        form.places.formula_cells.add((section, row, label))
        form.problems.append(
            Problem(
                file_name,
                row,
                label,
                f"cellen {letter}{row} innehåller formeln {quote(formula)} men inget sparat värde (filen har inte "
                "räknats om och sparats i Excel); öppna filen i Excel och spara den, eller skriv in värdet",
                form.places.parts.get(section),
            )
        )
    return form


def _saved_time(data: bytes) -> datetime | None:
    """The workbook's "modified" document property (UTC), read from ``docProps/core.xml`` itself: openpyxl
    puts the current time there when the property is missing, which would pass as a submission time."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            core = archive.read("docProps/core.xml").decode("utf-8", errors="replace")
        except KeyError:
            return None
    match = re.search(r"<(?:\w+:)?modified\b[^>]*>\s*([^<\s]+)\s*</", core)
    if not match:
        return None
    try:
        return as_utc(datetime.fromisoformat(match.group(1)))
    except ValueError:
        return None


def _read_sheets(data: bytes) -> tuple[dict[str, Any], dict[str, list[list[object]]]]:
    """Sheet titles (``"*"``: all, in order) and the cell values (cached values for formulas)
    of the template's sheets, found by name in any case; other sheets are not read."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = {loose_label(ws.title): ws for ws in workbook.worksheets}
        titles: dict[str, Any] = {"*": [ws.title for ws in workbook.worksheets]}
        rows: dict[str, list[list[object]]] = {}
        for section, name in SHEETS.items():
            sheet = sheets.get(loose_label(name))
            if sheet is not None:
                sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
                rows[section] = [list(r) for r in sheet.iter_rows(values_only=True)]
                titles[section] = sheet.title.strip()
        return titles, rows
    finally:
        workbook.close()


def _read_info_sheet(form: Form, rows: list[list[object]]) -> None:
    """Uppgifter: label in column A, value in B; labels are found by text wherever their row is."""
    wanted = {}
    for key, (label, others) in INFO_LABELS.items():
        for spelling in (label, *others):
            wanted.setdefault(loose_label(spelling), key)
    found: dict[str, tuple[int, str, object]] = {}
    for number, row in enumerate(rows, start=1):
        if not row or row[0] is None:
            continue
        key = wanted.get(loose_label(row[0]))
        if key and key not in found:
            found[key] = (number, str(row[0]).strip(), row[1] if len(row) > 1 else None)
    for key, (label, _) in INFO_LABELS.items():
        if key not in found:
            form.places.missing_info.add(key)
            form.problems.append(
                Problem(
                    form.source_file,
                    None,
                    "A",
                    f"uppgiften {quote(label)} saknas i kolumn A (mallen har uppgifterna "
                    f"{', '.join(v[0] for v in INFO_LABELS.values())})",
                    form.places.parts[INFO],
                )
            )
            continue
        number, written, value = found[key]
        form.places.info[key] = (number, written)
        set_info(form, key, value)
    form.places.sections_read.add(INFO)


def find_header(rows: list[list[object]], labels: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """The first row among the first few that holds at least two of the table's column labels."""
    by_label = {loose_label(label): key for key, label in labels.items()}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = by_label.get(loose_label(cell)) if cell is not None else None
            if key and key not in columns:
                columns[key] = position
        if len(columns) >= 2:
            return index, columns
    return None


def _read_table_sheet(form: Form, section: str, rows: list[list[object]]) -> None:
    labels = TABLE_COLUMNS[section]
    part = form.places.parts[section]
    header = find_header(rows, labels)
    if header is None:
        form.problems.append(
            Problem(
                form.source_file,
                None,
                None,
                f"rubrikraden hittades inte bland de {HEADER_SEARCH_ROWS} första raderna (väntade kolumnerna "
                f"{', '.join(labels.values())})",
                part,
            )
        )
        return
    header_index, columns = header
    required = set(labels) - OPTIONAL_COLUMNS[section]
    if section == PARTICIPANTS:
        required -= set(TEMPLATE_COLUMNS)
        problems = _template_column_problems(form, columns, header_index + 1, part)
        form.problems += problems
    missing = [labels[key] for key in labels if key in required and key not in columns]
    for label in missing:
        form.problems.append(
            Problem(
                form.source_file,
                header_index + 1,
                label,
                f"kolumnen {label} saknas i rubrikraden (rad {header_index + 1}); bladet ska ha kolumnerna "
                f"{', '.join(labels[k] for k in labels if k in required)}",
                part,
            )
        )
    header_row = rows[header_index]
    form.places.labels[section] = {key: str(header_row[position]).strip() for key, position in columns.items()}
    items = getattr(form, ITEMS[section])
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        values = {key: row[position] if position < len(row) else None for key, position in columns.items()}
        if section == GOALS and all(as_text(v) is None for k, v in values.items() if k != "nr"):
            continue  # an empty goal row (templates often number rows in advance)
        if all(as_text(v) is None for v in values.values()):
            continue
        if section == GOALS:
            items.append(goal_item(number, values, values.get("nr")))
        elif section == ASSESSMENTS:
            items.append(assessment_item(number, values.get("fraga"), values))
        else:
            items.append(participant_item(number, values))
    if not missing:
        form.places.sections_read.add(section)


def _template_column_problems(form: Form, columns: dict[str, int], header_row: int, part: str) -> list[Problem]:
    """Deltagare must have the columns of the template version named in Uppgifter."""
    problems = []
    present = [PARTICIPANT_COLUMNS[k] for k in TEMPLATE_COLUMNS if k in columns]
    absent = [PARTICIPANT_COLUMNS[k] for k in TEMPLATE_COLUMNS if k not in columns]
    if form.template_version == "2024.1":
        for label in absent:
            problems.append(
                Problem(
                    form.source_file,
                    header_row,
                    label,
                    f"kolumnen {label} saknas: mallversion 2024.1 har kolumnerna Åldersgrupp och Födelseregion "
                    "efter Kön (Uppgifter anger mallversion 2024.1)",
                    part,
                )
            )
    elif form.template_version == "2023.1":
        for label in present:
            problems.append(
                Problem(
                    form.source_file,
                    header_row,
                    label,
                    f"kolumnen {label} finns bara i mallversion 2024.1, men Uppgifter anger mallversion 2023.1 "
                    "(ange rätt mallversion eller använd mallens kolumner)",
                    part,
                )
            )
    return problems


def _has_formulas(data: bytes) -> bool:
    """Cheap look into the sheets' XML: only workbooks with formulas need a second, formula-reading pass."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(
                re.search(rb"<(\w+:)?f[ >/]", archive.read(name))
                for name in archive.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
            )
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def _formulas_without_values(data: bytes, values: dict[str, list[list[object]]]) -> dict[tuple[str, int, int], str]:
    """Formula cells whose cached value is missing (files written by programs that do not calculate):
    read with ``data_only`` they look empty, which must not pass as an empty answer."""
    import openpyxl

    found: dict[tuple[str, int, int], str] = {}
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheets = {loose_label(ws.title): ws for ws in workbook.worksheets}
        for section, name in SHEETS.items():
            if section not in values:
                continue
            sheet = sheets[loose_label(name)]
            sheet.reset_dimensions()
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                for c, cell in enumerate(row):
                    if isinstance(cell, str) and cell.startswith("="):
                        cached = (
                            values[section][r][c] if r < len(values[section]) and c < len(values[section][r]) else None
                        )
                        if cached is None:
                            found[(section, r + 1, c)] = cell
    finally:
        workbook.close()
    return found


def _formula_column(form: Form, section: str, rows: list[list[object]], row: int, column: int) -> str:
    if section == INFO:
        label = rows[row - 1][0] if rows[row - 1] else None
        return str(label).strip() if label is not None else column_letter(column)
    header = find_header(rows, TABLE_COLUMNS[section])
    if header is not None and column < len(rows[header[0]]) and rows[header[0]][column] is not None:
        return str(rows[header[0]][column]).strip()
    return column_letter(column)
