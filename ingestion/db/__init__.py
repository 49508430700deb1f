"""The warehouse database: connection, the loader (COPY + load audit), the embedded PostgreSQL, migrations."""
