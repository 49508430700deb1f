"""Raw tables of the follow-up forms and their columns (no heavy imports: DAG files use these)."""

FORM_COLUMNS = [
    "form_id", "source_format", "source_file", "content_checksum", "overenskommelse_id", "period",
    "period_as_written", "template_version", "submitted_at", "submitted_at_basis", "overenskommelse_namn",
    "kommuner_as_written", "kommunkoder", "motesdatum", "deltagande_parter", "deltagande_parter_utan_namn",
    "samverkansniva",
]
CHILD_TABLES = {
    "raw.followup_goals": ("goals", ["nr", "mal", "mal_utan_namn", "malgrupp", "indikator", "enhet", "malvarde",
                                     "utfall", "bedomning", "kommentar", "kommentar_utan_namn"]),
    "raw.followup_assessments": ("assessments", ["fraga", "svar", "kommentar", "kommentar_utan_namn"]),
    "raw.followup_participants": ("participants", ["malgrupp", "kon", "aldersgrupp", "fodelseregion", "deltagare",
                                                   "nya", "avslutade", "till_arbete", "till_studier"]),
}
RAW_TABLES = ["raw.followup_forms", *CHILD_TABLES]
