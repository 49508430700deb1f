"""Running it all: Airflow Assets and the DAG factory, dbt, the local runner (make run), the CLI and summaries."""
