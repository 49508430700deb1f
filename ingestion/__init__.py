"""Ingestion for the samverkansuppföljning warehouse.

All parsing, validation and loading logic lives here as plain functions, so that tests and the
command line call it without Airflow; the DAG files in ``dags/`` only wire these functions together.
"""
