"""The situation report runs on its own after a build (issue 13's acceptance, as ``make run`` does it):
``run_all`` over a landing folder runs the source DAGs, the warehouse DAG and then the report DAG with
``airflow dags test`` (one mapped task per edition). With a warehouse loaded, built and reported, a new
registry month of the same half-year delivered and ``make run``: the report DAG runs after the build, and
the editions change only in the sections built from the registry. Nothing new: no build, no report run."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import copy_register_and_forms

from ingestion import sources
from ingestion.orchestration import runner
from ingestion.orchestration.transform import dbt_build
from ingestion.privacy import pseudonym
from ingestion.report.build import build_editions
from ingestion.synthetic.registry import generate_registry

pytestmark = pytest.mark.airflow

# the sections of an edition built without the registry: agreements, forms, assessment, goals
NOT_FROM_THE_REGISTRY = ("overenskommelser", "uppfoljning", "bedomning", "mal")


def sections(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([a-z-]+)">(.*?)</section>', html, flags=re.S))


def test_make_run_builds_the_report_and_a_new_month_changes_only_its_figures(
    db_url, quarantine, airflow_env, tmp_path, monkeypatch
):
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "report-test-key-" + "y" * 32)
    monkeypatch.setenv("WAREHOUSE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    landing = tmp_path / "landing"
    copy_register_and_forms(landing, forms="*.xlsx")
    # two consecutive months of one half-year (the fixture's June and July are in two), with their code lists
    generated = tmp_path / "generated"
    generate_registry(generated, ["202404", "202405"], rows_per_month=3000, seed=13, jobtracks=False)
    registry = landing / "registry"
    registry.mkdir()
    for name in ("sokande_202404.txt", "sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(generated / name, registry / name)

    # the warehouse as it stood before: loaded, built and reported (directly, to spare the test a make run)
    for source in ("agreement_register", "followup_forms", "registry"):
        sources.ingest(source, landing)
    dbt_build(db_url, select="+exposure:lagesbild")
    build_editions("2024H1", pdf=False)
    folder = tmp_path / "reports" / "2024H1"
    before = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.html")}
    assert len(before) == 22

    shutil.copy(generated / "sokande_202405.txt", registry / "sokande_202405.txt")
    run = runner.run_all(landing)
    assert (run / "report.log").exists()  # the report DAG ran, after the build
    assert "lägesbild 2024H1: 22 utgåvor" in (run / "lagesbild.txt").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["built_from"]["registry_months_loaded"] == 2
    assert sum(name.endswith(".pdf") for name in manifest["files"]) == 22
    after = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.html")}
    assert after.keys() == before.keys()
    old, new = sections(before["riket.html"]), sections(after["riket.html"])
    assert len(old) == 8
    for section in NOT_FROM_THE_REGISTRY:
        assert old[section] == new[section], section
    assert old["sammanfattning"] != new["sammanfattning"] and old["resultat"] != new["resultat"]
    for name in after:  # every county edition: the same sections unchanged
        assert all(sections(before[name])[s] == sections(after[name])[s] for s in NOT_FROM_THE_REGISTRY), name

    # nothing new delivered: no build, so no report run either (as the Asset would not be emitted)
    run = runner.run_all(landing)
    assert not (run / "report.log").exists()
