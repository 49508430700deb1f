"""The survey export contract (``enkätexport``, docs/contracts/survey_export.md): files, columns,
question types and the patterns its rules use.

A delivery is a folder (or zip) ``<enkat_id>_YYYY-MM-DD`` with ``;``-separated files in UTF-8 with
BOM, UTF-8 or Windows-1252 (detected per file, there is no marker). Nothing here knows a survey:
the questions, their types and scales come from the delivered codebook (``fragor.csv`` and
``skalor.csv``), so a new survey or a new wave that follows the contract loads without a code change.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this module and must parse fast
    pass


SOURCE = "survey"

LABEL = "enkätexport"

DELIVERY_PATTERN = r"[a-z][a-z0-9_]*_\d{4}-\d{2}-\d{2}"

WAVE = "enkat.csv"

QUESTIONS = "fragor.csv"

SCALES = "skalor.csv"

SAMPLE = "urval.csv"

ANSWERS = "svar.csv"

CODING = "kodning.csv"

OPTIONAL = {CODING}

# The contract's columns per file; for svar.csv the fixed columns (the answer columns follow the codebook).
COLUMNS: dict[str, list[str]] = {
    WAVE: ["enkat_id", "omgang", "namn", "oppnad", "stangd", "enhet"],
    QUESTIONS: ["fraga_id", "delfraga", "fragetext", "typ", "skala_id", "villkor", "jamforbar_med"],
    SCALES: ["skala_id", "kod", "etikett", "substantiell", "ordning"],
    SAMPLE: ["respondent_id", "kommunkod", "lanskod", "organisation", "aktorstyp", "overenskommelse_id", "utskick"],
    ANSWERS: ["respondent_id", "status", "besvarad"],
    CODING: ["respondent_id", "fraga_id", "tema", "kod"],
}

RAW_TABLES = {
    WAVE: "raw.survey_waves",
    QUESTIONS: "raw.survey_questions",
    SCALES: "raw.survey_scales",
    SAMPLE: "raw.survey_sample",
    ANSWERS: "raw.survey_responses",  # the fixed columns; the answer cells go long into ANSWER_CELLS
    CODING: "raw.survey_coding",
}

ANSWER_CELLS = "raw.survey_answers"

SUITES = {name: f"survey/{name.removesuffix('.csv')}.json" for name in COLUMNS}

QUESTION_TYPES = {"enval", "flerval", "matris", "fritext", "tal"}

CODED_TYPES = {"enval", "matris"}  # one code per cell, on the question's scale

NAME = re.compile(r"([a-z][a-z0-9_]*)_(\d{4}-\d{2}-\d{2})")

CONDITION = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(!=|=)\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*")

NUMBER = r"[+-]?\d+(?:,\d+)?"  # tal: decimal comma

OPTION_SUFFIX = re.compile(r"\d+")  # flerval without a scale in the codebook: Q3_1, Q3_2…

COUNT_WORDS = {2: "två", 3: "tre", 4: "fyra", 5: "fem"}
