"""``python -m ingestion <command>``: the Makefile's targets call these (see ingestion.orchestration.cli)."""

from ingestion.orchestration.cli import main

raise SystemExit(main())
