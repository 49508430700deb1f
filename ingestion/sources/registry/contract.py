"""The registry extracts contract (``registerutdrag``, docs/contracts/registry_extracts.md): file names,
columns, code sets and the tolerance for bad rows.

Arbetsförmedlingen delivers, per month, a job-seeker extract ``sokande_YYYYMM.txt[.gz]`` (``|``-separated,
Windows-1252) with its code lists, and a local job-track snapshot ``jobbspar_YYYYMM.csv`` +
``jobbspar_deltagare_YYYYMM.csv``. No heavy imports: the DAG files and the generator use these.
"""

from __future__ import annotations

import re

SOURCE = "registry"
LABEL = "registerutdrag"
CATEGORY_FILE = "sokandekategorier.csv"
REASON_FILE = "avaktualiseringsorsaker.csv"
GROUPS = frozenset({"oppet_arbetslos", "program_med_aktivitetsstod", "arbete_med_stod", "deltid_timanstalld", "ovriga"})
OUTCOMES = frozenset({"arbete", "studier", "annan_kontakt", "okand", "ovrigt"})
FILE_PATTERN = re.compile(r"^sokande_(\d{6})\.txt(\.gz)?$")
HEADER = (
    "PNR",
    "MANAD",
    "KOMMUNKOD",
    "KON",
    "FODELSEAR",
    "FODELSEREGION",
    "SOKANDEKATEGORI",
    "ETABLERING",
    "FUNKTIONSNEDSATTNING",
    "EKONOMISKT_BISTAND",
    "INSKRIVNINGSDATUM",
    "AVAKTUALISERINGSDATUM",
    "AVAKTUALISERINGSORSAK",
    "PROJEKTKOD",
)
# The COPY input (binary): line, pseudonym, KOMMUNKOD, the columns of one width, then the others (the
# order the loader builds them in, extract._copy_lines). PNR and MANAD are dropped: MANAD is the
# partition's month, a column default of the month's table.
COPY_COLUMNS = (
    "_source_row",
    "person_id",
    "kommunkod",
    "kon",
    "fodelsear",
    "fodelseregion",
    "inskrivningsdatum",
    "sokandekategori",
    "etablering",
    "funktionsnedsattning",
    "ekonomiskt_bistand",
    "avaktualiseringsdatum",
    "avaktualiseringsorsak",
    "projektkod",
)
MAX_KEPT_REJECTS = 10_000  # details kept for the report; beyond that only the counts per reason
TOLERANCE = 0.001  # up to 0.1 % bad rows: set aside, the rest loads
TRACK_PATTERN = re.compile(r"^jobbspar_(\d{6})\.csv$")
TRACK_COLUMNS = (
    "projektkod",
    "namn",
    "kommunkoder",
    "typ",
    "bransch",
    "startdatum",
    "slutdatum",
    "status",
    "antal_arbetsgivare",
)
PARTICIPANT_COLUMNS = ("projektkod", "PNR", "startdatum", "slutdatum", "avbrott", "aktivitet_efter")
TYPES = frozenset({"branschriktat", "forberedande", "kort"})
STATUSES = frozenset({"aktivt", "avslutat", "planerat"})
ACTIVITIES = frozenset(
    {"osubventionerat_arbete", "subventionerat_arbete", "studier", "annat_jobbspar", "arbetsloshet", "ovrigt"}
)
PARENT = "registry_jobseekers"

# The raw tables this source loads (the Assets the warehouse DAG listens to).
RAW_TABLES = [
    "raw.registry_jobseekers",
    "raw.registry_sokandekategorier",
    "raw.registry_avaktualiseringsorsaker",
    "raw.registry_jobtracks",
    "raw.registry_jobtrack_participants",
]
