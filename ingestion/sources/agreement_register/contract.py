"""The agreement register contract (``överenskommelseregistret``, docs/contracts/agreement_register.md):
the names, files and columns a delivery has, and the code sets its rules use.

A delivery is a folder (or zip) ``overenskommelser_YYYY-MM-DD`` with four ``;``-separated UTF-8
files. No heavy imports: the DAG files, the generators and the rules all read these constants.
"""

from __future__ import annotations

SOURCE = "agreement_register"

LABEL = "överenskommelseregistret"

DELIVERY_PATTERN = r"overenskommelser_.*"

AGREEMENTS = "overenskommelser.csv"

MUNICIPALITIES = "overenskommelse_kommuner.csv"

PARTIES = "overenskommelse_parter.csv"

TARGET_GROUPS = "overenskommelse_malgrupper.csv"

# ja/nej columns of overenskommelser.csv
FLAG_COLUMNS = [
    "har_mal",
    "har_uppfoljningsprocess",
    "malgrupp_arbetsgivare",
    "malgrupp_arbetssokande",
    "samordning_etablering",
]
COLUMNS: dict[str, list[str]] = {
    AGREEMENTS: [
        "overenskommelse_id",
        "namn",
        "niva",
        "overordnad_id",
        "lanskod",
        "tecknad_datum",
        "giltig_from",
        "giltig_tom",
        "status",
        "senast_reviderad",
        "mall",
        "uppfoljning",
        *FLAG_COLUMNS,
        "registrerad",
    ],
    MUNICIPALITIES: ["overenskommelse_id", "kommunkod", "tackning"],
    PARTIES: ["overenskommelse_id", "organisation", "organisationstyp", "roll"],
    TARGET_GROUPS: ["overenskommelse_id", "malgrupp"],
}

RAW_TABLES = {name: "raw.register_" + name.removesuffix(".csv") for name in COLUMNS}

SUITES = {name: f"agreement_register/{name.removesuffix('.csv')}.json" for name in COLUMNS}

LOCAL_LEVELS = {"lokal", "flerkommunal", "kommunlokal"}

SIGNED = {"tecknad", "reviderad"}

DATE_COLUMNS = ["tecknad_datum", "giltig_from", "giltig_tom", "senast_reviderad"]
