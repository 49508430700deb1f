"""Index meta.load_audit (source, loaded_at); describe every raw and meta table and its key columns.

Why the index: "when did source X last load" (``where source = ... order by loaded_at desc limit 1``,
dbt source freshness with a per-source ``filter``, the list of loaded sources) becomes an index probe
instead of a scan of the audit. The audit grows by one row per delivery, so this is cheap insurance,
not a cure: dbt's freshness on the whole of meta.load_audit (max(loaded_at) of any source) does not
need it.
The comments make ``\\d+`` and database browsers say what each table is: raw and meta are written by
the loaders, not built by dbt, so dbt's persist_docs cannot describe them. The comment texts follow
the notes of the bootstrap.sql that created the tables.

Two tables had a table comment from the baseline (meta.load_audit and
raw.registry_jobseekers_template): those are left as they are, only their columns are described,
so the downgrade can set exactly what this revision added back to null.
"""

from alembic import op

revision = "0006_load_audit_index_comments"
down_revision = "0005_registry"
branch_labels = None
depends_on = None

LOAD_ID = "The load (meta.load_audit.load_id) that brought this row."
SNAPSHOT_DATE = "Date of the register snapshot the row belongs to, from the delivery's folder name."
SOURCE_ROW = "Line in the delivered file (the header is line 1)."
SURVEY = {"enkat_id": "The survey (enkät) the row belongs to.", "omgang": "The survey's wave (omgång)."}
PERSON_ID = "Keyed pseudonym of the personnummer (which never reaches the database)."
MANAD = "The month, as its first day."

# The version table belongs to the admin user who migrates (see env.py), the others to warehouse_loader.
VERSION_TABLE_COMMENT = (
    "comment on table meta.schema_migrations is "
    "'Schema revisions applied to this database (Alembic; see ingestion/db/migrate.py).';"
)

TABLES: dict[str, str] = {
    "meta.registry_months": "The load in force per registry extract and month, written in the same transaction as "
    "the load; dbt's incremental models compare these load ids with what they have built.",
    "meta.pseudonym_key": "Fingerprint (a MAC of a constant, not the key) of the pseudonymisation key the warehouse "
    "was first loaded with: a load with another key is refused, as its pseudonyms would not link.",
    "meta.registry_rejects": "Registry rows set aside because they break the contract (up to 0.1 % of a file): "
    "the line and the reason only, never the personnummer or any other value of the row.",
    "raw.register_overenskommelser": "Agreement register: the agreements file of each snapshot, as delivered.",
    "raw.register_overenskommelse_kommuner": "Agreement register: the municipalities of each agreement, as delivered.",
    "raw.register_overenskommelse_parter": "Agreement register: the parties of each agreement, as delivered.",
    "raw.register_overenskommelse_malgrupper": "Agreement register: the target groups of each agreement, as delivered.",
    "raw.followup_forms": "Follow-up forms: one row per received form version (workbook or web-tool export), "
    "values normalised by the parser; free text as delivered, *_utan_namn without recognisable names.",
    "raw.followup_goals": "Follow-up forms: the goals of each form version, one row per goal.",
    "raw.followup_assessments": "Follow-up forms: the answers to the assessment questions F1..F12 of each form.",
    "raw.followup_participants": "Follow-up forms: participant counts per target group, sex (and, template "
    "2024.1, age group and birth region) of each form.",
    "raw.survey_waves": "Survey exports: the wave file (one row per survey wave).",
    "raw.survey_questions": "Survey exports: the codebook, one row per question or sub-question.",
    "raw.survey_scales": "Survey exports: the answer scales, one row per scale code.",
    "raw.survey_sample": "Survey exports: the sample (urval), one row per respondent sent the survey.",
    "raw.survey_responses": "Survey exports: the response status of each respondent.",
    "raw.survey_answers": "Survey exports: the answer file turned long, one row per non-empty answer cell "
    "(free text included: raw only).",
    "raw.survey_coding": "Survey exports: themes and codes given to free-text answers.",
    "raw.registry_jobseekers": "Registry extracts: job seekers per month, person-level (pseudonymised), one "
    "partition per month (raw.registry_jobseekers_y<YYYY>m<MM>_l<load>); a month delivered again is swapped in.",
    "raw.registry_sokandekategorier": "Registry extracts: the job-seeker category code list delivered with each month.",
    "raw.registry_avaktualiseringsorsaker": "Registry extracts: the code list of reasons for leaving, delivered "
    "with each month.",
    "raw.registry_jobtracks": "Registry extracts: local job tracks (jobbspår), a full snapshot at the end of each "
    "month.",
    "raw.registry_jobtrack_participants": "Registry extracts: participants of the local job tracks (pseudonymised), "
    "a full snapshot at the end of each month.",
}

COLUMNS: dict[str, dict[str, str]] = {
    "meta.load_audit": {
        "load_id": "Identity of the load; every raw row carries it as _load_id.",
        "source": "The source the delivery came from (agreement_register, followup_forms, survey, registry).",
        "delivery_name": "The delivery as named in the landing folder.",
        "checksum": "Checksum of the delivery's files: a delivery already loaded (same source, same checksum) "
        "is skipped.",
        "snapshot_date": "Snapshot or month the delivery describes, when it has one.",
        "row_counts": "Rows loaded per table, as JSON.",
        "n_rows": "Rows loaded in all.",
        "status": "Always loaded: rejected deliveries never reach the database.",
        "run_id": "The pipeline run (Airflow run id) that loaded it.",
        "loaded_at": "When the load was committed.",
    },
    "meta.registry_months": {
        "extract": "sokande (job seekers) or jobbspar (job tracks).",
        "manad": MANAD,
        "load_id": "The load in force for this extract and month.",
        "n_rows": "Rows loaded for the month.",
        "n_rejected": "Rows set aside (meta.registry_rejects).",
        "replaced_load_id": "The load this one replaced, if the month was delivered again.",
    },
    "meta.pseudonym_key": {
        "fingerprint": "MAC of a constant under the key: identifies the key without revealing it.",
        "first_used": "When the warehouse was first loaded with this key.",
    },
    "meta.registry_rejects": {
        "load_id": "The load the row was set aside from.",
        "line_number": "Line in the delivered file.",
        "column_name": "The column that broke the contract, if one did.",
        "reason": "Why the row was set aside.",
    },
    "raw.register_overenskommelser": {
        "_load_id": LOAD_ID,
        "_snapshot_date": SNAPSHOT_DATE,
        "_source_row": SOURCE_ROW,
        "overenskommelse_id": "The agreement's id.",
    },
    "raw.register_overenskommelse_kommuner": {
        "_load_id": LOAD_ID,
        "_snapshot_date": SNAPSHOT_DATE,
        "_source_row": SOURCE_ROW,
        "overenskommelse_id": "The agreement (raw.register_overenskommelser).",
        "kommunkod": "Municipality code as delivered.",
    },
    "raw.register_overenskommelse_parter": {
        "_load_id": LOAD_ID,
        "_snapshot_date": SNAPSHOT_DATE,
        "_source_row": SOURCE_ROW,
        "overenskommelse_id": "The agreement (raw.register_overenskommelser).",
    },
    "raw.register_overenskommelse_malgrupper": {
        "_load_id": LOAD_ID,
        "_snapshot_date": SNAPSHOT_DATE,
        "_source_row": SOURCE_ROW,
        "overenskommelse_id": "The agreement (raw.register_overenskommelser).",
    },
    "raw.followup_forms": {
        "_load_id": LOAD_ID,
        "form_id": "The form version: the web tool's formular_id, or 'xlsx-' and the workbook's checksum.",
        "content_checksum": "Checksum of the parsed content: the same form in two exports has the same one.",
        "overenskommelse_id": "The agreement the form follows up.",
        "period": "Canonical half-year, e.g. 2024H1.",
        "submitted_at": "When the form was submitted (see submitted_at_basis).",
        "submitted_at_basis": "Where submitted_at comes from: webbverktyget, dokumentegenskap or ankomsttid.",
    },
    "raw.followup_goals": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        "form_id": "The form version (raw.followup_forms).",
        "nr": "The goal's number in the form.",
    },
    "raw.followup_assessments": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        "form_id": "The form version (raw.followup_forms).",
        "fraga": "The question, F1 .. F12.",
    },
    "raw.followup_participants": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        "form_id": "The form version (raw.followup_forms).",
    },
    "raw.survey_waves": {"_load_id": LOAD_ID, "_source_row": SOURCE_ROW, **SURVEY},
    "raw.survey_questions": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        **SURVEY,
        "fraga_id": "The question's id in the codebook.",
    },
    "raw.survey_scales": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        **SURVEY,
        "skala_id": "The scale (raw.survey_questions.skala_id).",
    },
    "raw.survey_sample": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        **SURVEY,
        "respondent_id": "The respondent, within the survey wave.",
    },
    "raw.survey_responses": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        **SURVEY,
        "respondent_id": "The respondent (raw.survey_sample).",
    },
    "raw.survey_answers": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        **SURVEY,
        "respondent_id": "The respondent (raw.survey_sample).",
        "kolumn": "The answer file's column as delivered, e.g. Q2, Q3_2, Q4_r1.",
        "fraga_id": "The codebook question the column belongs to.",
        "varde": "The cell as delivered.",
    },
    "raw.survey_coding": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        **SURVEY,
        "respondent_id": "The respondent (raw.survey_sample).",
        "fraga_id": "The free-text question coded.",
    },
    "raw.registry_jobseekers_template": {
        "_load_id": "The load (meta.load_audit; no foreign key: it would cost a check per row).",
        "_source_row": SOURCE_ROW,
        "person_id": PERSON_ID,
        "manad": MANAD + " Partition key of raw.registry_jobseekers.",
        "kommunkod": "Municipality code, 4 digits.",
    },
    "raw.registry_jobseekers": {
        "_load_id": "The load (meta.load_audit; no foreign key: it would cost a check per row).",
        "_source_row": SOURCE_ROW,
        "person_id": PERSON_ID,
        "manad": MANAD + " Partition key.",
        "kommunkod": "Municipality code, 4 digits.",
    },
    "raw.registry_sokandekategorier": {"_load_id": LOAD_ID, "manad": MANAD, "kod": "The category code."},
    "raw.registry_avaktualiseringsorsaker": {"_load_id": LOAD_ID, "manad": MANAD, "kod": "The reason code."},
    "raw.registry_jobtracks": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        "manad": "The month of the snapshot, as its first day.",
        "projektkod": "The job track's project code.",
    },
    "raw.registry_jobtrack_participants": {
        "_load_id": LOAD_ID,
        "_source_row": SOURCE_ROW,
        "manad": "The month of the snapshot, as its first day.",
        "projektkod": "The job track (raw.registry_jobtracks).",
        "person_id": PERSON_ID,
    },
}


def _literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def _comments(clear: bool) -> str:
    """The comment statements, with this revision's texts or (``clear``) null."""
    statements = [f"comment on table {table} is {_literal(None if clear else text)};" for table, text in TABLES.items()]
    for table, columns in COLUMNS.items():
        for column, text in columns.items():
            statements.append(f"comment on column {table}.{column} is {_literal(None if clear else text)};")
    return "\n".join(statements)


def _execute(statements: str) -> None:
    # Through the driver: comment texts may hold % or :word, which SQLAlchemy would take for parameters.
    op.get_bind().connection.driver_connection.execute(statements)


def upgrade() -> None:
    # As warehouse_loader, the owner of raw and meta (the admin need not be a superuser).
    _execute(
        "set role warehouse_loader;\n"
        "create index load_audit_source_loaded_at on meta.load_audit (source, loaded_at);\n"
        f"{_comments(clear=False)}\n"
        f"reset role;\n{VERSION_TABLE_COMMENT}"
    )


def downgrade() -> None:
    _execute(
        "set role warehouse_loader;\n"
        "drop index meta.load_audit_source_loaded_at;\n"
        f"{_comments(clear=True)}\n"
        "reset role;\ncomment on table meta.schema_migrations is null;"
    )
