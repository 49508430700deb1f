"""The raw tables the registry extracts load (kept apart so DAG files can name them without numpy/psycopg)."""

RAW_TABLES = ["raw.registry_jobseekers", "raw.registry_sokandekategorier", "raw.registry_avaktualiseringsorsaker",
              "raw.registry_jobtracks", "raw.registry_jobtrack_participants"]
