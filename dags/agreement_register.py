"""Airflow DAG: agreement register deliveries, from the landing folder to raw.

Each new delivery (folder or zip) is validated against the contract (GX suites + cross-file rules)
and either loaded with COPY together with its audit row, or quarantined whole with a report.
The tasks are shared with the other folder-per-delivery sources: see ``ingestion.dag_factory``.
"""

from ingestion.assets import REGISTER_ASSETS
from ingestion.dag_factory import delivery_dag

agreement_register = delivery_dag(
    "agreement_register",
    "Överenskommelseregistret: hitta nya leveranser, validera (GX), ladda till raw eller sätt i karantän",
    REGISTER_ASSETS,
)
