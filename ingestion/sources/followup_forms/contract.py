"""The follow-up form contract (``uppföljningsformulär``, docs/contracts/followup_form.md): templates,
sheets, labels, export columns, codes, and the raw tables a form ends in.

A form arrives either as an Excel workbook (one per agreement and half-year, filled in by hand from a
template) or inside a bulk CSV export from the web tool (one row per value, many forms per file). No
heavy imports: DAG files, the generators and the readers all use these constants.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

SOURCE = "followup_forms"

LABEL = "uppföljningsformulär"

FILE_PATTERN = r"(?i)(?!~\$).+\.xlsx|uppfoljning_export_.*\.csv"

TEMPLATES = ("2023.1", "2024.1")

# Codes used to normalise what people write; the GX suites hold the rules themselves.
TARGET_GROUPS = (
    "unga",
    "unga_utan_gymnasieexamen",
    "nyanlanda",
    "asylsokande",
    "langtidsarbetslosa",
    "funktionsnedsattning",
    "ekonomiskt_bistand",
    "utrikes_fodda_kvinnor",
    "arbetsgivare",
    "behovsbaserad",
)

ASSESSMENT_CODES = ("uppnatt", "delvis_uppnatt", "ej_uppnatt", "kan_inte_bedoma")

LEVELS = ("samtal", "samsyn", "samverkan", "samhandling")

LOCAL_TIME = ZoneInfo("Europe/Stockholm")  # the web tool writes naive Swedish local time

# Sections: the CSV export's ``avsnitt`` names; in a workbook each is one sheet.
INFO, GOALS, ASSESSMENTS, PARTICIPANTS = "uppgifter", "mal", "bedomning", "deltagare"

SECTIONS = (INFO, GOALS, ASSESSMENTS, PARTICIPANTS)

SHEETS = {INFO: "Uppgifter", GOALS: "Mål", ASSESSMENTS: "Bedömning", PARTICIPANTS: "Deltagare"}

SUITES = {section: f"followup_forms/{section}.json" for section in SECTIONS}

ITEMS = {GOALS: "goals", ASSESSMENTS: "assessments", PARTICIPANTS: "participants"}

# Uppgifter: field -> label in the template, and other spellings seen (compared after loose_label()).
INFO_LABELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "overenskommelse_id": ("Överenskommelse-ID", ("överenskommelse id", "överenskommelseid")),
    "overenskommelse_namn": ("Överenskommelsens namn", ("överenskommelsens titel",)),
    "kommuner": ("Kommun(er)", ("kommuner", "kommun")),
    "period": ("Period", ("halvår",)),
    "motesdatum": ("Datum för uppföljningsmötet", ("datum för uppföljningsmöte", "mötesdatum", "datum")),
    "deltagande_parter": ("Deltagande parter", ("parter",)),
    "template_version": ("Mallversion", ("mall version", "mall")),
    "samverkansniva": ("Samverkansnivå", ("samverkansniva",)),
}

GOAL_COLUMNS = {
    "nr": "Nr",
    "mal": "Mål",
    "malgrupp": "Målgrupp",
    "indikator": "Indikator",
    "enhet": "Enhet",
    "malvarde": "Målvärde",
    "utfall": "Utfall",
    "bedomning": "Bedömning",
    "kommentar": "Kommentar",
}

ASSESSMENT_COLUMNS = {"fraga": "Fråga", "fragetext": "Frågetext", "svar": "Svar", "kommentar": "Kommentar"}

PARTICIPANT_COLUMNS = {
    "malgrupp": "Målgrupp",
    "kon": "Kön",
    "aldersgrupp": "Åldersgrupp",
    "fodelseregion": "Födelseregion",
    "deltagare": "Deltagare",
    "nya": "Nya",
    "avslutade": "Avslutade",
    "till_arbete": "Till arbete",
    "till_studier": "Till studier",
}

TABLE_COLUMNS = {GOALS: GOAL_COLUMNS, ASSESSMENTS: ASSESSMENT_COLUMNS, PARTICIPANTS: PARTICIPANT_COLUMNS}

# Free-text columns a sheet may lack without losing anything the warehouse counts.
OPTIONAL_COLUMNS = {GOALS: {"kommentar"}, ASSESSMENTS: {"fragetext", "kommentar"}, PARTICIPANTS: set()}

TEMPLATE_COLUMNS = ("aldersgrupp", "fodelseregion")  # only in template 2024.1

COUNTS = ("deltagare", "nya", "avslutade", "till_arbete", "till_studier")

ZERO_WHEN_EMPTY = ("nya", "till_arbete", "till_studier")

HEADER_SEARCH_ROWS = 10  # a table's header row is looked for among the first rows of its sheet

EXPORT_COLUMNS = [
    "formular_id",
    "inskickad",
    "overenskommelse_id",
    "period",
    "mallversion",
    "avsnitt",
    "rad",
    "falt",
    "varde",
]

EXPORT_FORM_COLUMNS = ("inskickad", "overenskommelse_id", "period", "mallversion")  # same on every row of a form

EXPORT_INFO = {
    "kommuner": "kommuner",
    "motesdatum": "motesdatum",
    "parter": "deltagande_parter",
    "samverkansniva": "samverkansniva",
}

EXPORT_FIELDS = {
    GOALS: ("mal", "malgrupp", "indikator", "enhet", "malvarde", "utfall", "bedomning", "kommentar"),
    ASSESSMENTS: ("svar", "kommentar"),
    PARTICIPANTS: COUNTS,
}

# Fields of the common model that make up its content (the checksum); derived and source fields are left out.
CONTENT_FIELDS = (
    "overenskommelse_id",
    "period",
    "period_as_written",
    "template_version",
    "submitted_at",
    "submitted_at_basis",
    "overenskommelse_namn",
    "kommuner_as_written",
    "kommunkoder",
    "motesdatum",
    "deltagande_parter",
    "samverkansniva",
)

YES = {"ja", "j", "1", "yes", "true", "sant"}

NO = {"nej", "n", "0", "no", "false", "falskt"}

SEXES = {"kvinnor": "kvinnor", "kvinna": "kvinnor", "k": "kvinnor", "man": "man", "män": "man", "m": "man"}

REGIONS = {
    "sverige": "sverige",
    "inrikes": "sverige",
    "inrikes född": "sverige",
    "inrikes födda": "sverige",
    "utrikes": "utrikes",
    "utrikes född": "utrikes",
    "utrikes födda": "utrikes",
}

FORM_COLUMNS = [
    "form_id",
    "source_format",
    "source_file",
    "content_checksum",
    "overenskommelse_id",
    "period",
    "period_as_written",
    "template_version",
    "submitted_at",
    "submitted_at_basis",
    "overenskommelse_namn",
    "kommuner_as_written",
    "kommunkoder",
    "motesdatum",
    "deltagande_parter",
    "deltagande_parter_utan_namn",
    "samverkansniva",
]
CHILD_TABLES = {
    "raw.followup_goals": (
        "goals",
        [
            "nr",
            "mal",
            "mal_utan_namn",
            "malgrupp",
            "indikator",
            "enhet",
            "malvarde",
            "utfall",
            "bedomning",
            "kommentar",
            "kommentar_utan_namn",
        ],
    ),
    "raw.followup_assessments": ("assessments", ["fraga", "svar", "kommentar", "kommentar_utan_namn"]),
    "raw.followup_participants": (
        "participants",
        [
            "malgrupp",
            "kon",
            "aldersgrupp",
            "fodelseregion",
            "deltagare",
            "nya",
            "avslutade",
            "till_arbete",
            "till_studier",
        ],
    ),
}
RAW_TABLES = ["raw.followup_forms", *CHILD_TABLES]
