"""Airflow DAG: survey exports (enkätexporter), any survey and wave, from the landing folder to raw.

Each delivery folder (or zip) is checked against its own codebook (encoding, column names, answer
codes on the scales, respondents in the sample frame, no duplicates) and loaded with COPY, or
quarantined whole with a report naming row and column. Shared tasks: ``ingestion.dag_factory``.
"""

from ingestion.assets import SURVEY_ASSETS
from ingestion.dag_factory import delivery_dag

survey = delivery_dag(
    "survey",
    "Enkätexporter: hitta nya leveranser, validera mot kodboken, ladda till raw eller sätt i karantän",
    SURVEY_ASSETS,
)
