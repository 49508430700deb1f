"""Outcomes per agreement and by coverage (issue 12) on a real PostgreSQL: the sample register (two
snapshots), follow-up forms and registry months (June 2024, then July) loaded by their pipelines and
built with dbt. Checked against counts recomputed here from the person-level facts, independently of
the marts' SQL: distinct persons per agreement (a mover once), tackt / ej_tackt / alla; no count of
1–4 shown; analysts read the marts but not the person-level join; the reported figures beside; and a
new month rebuilds only its half-year."""

from __future__ import annotations

import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
from conftest import copy_register_and_forms

from ingestion import sources
from ingestion.orchestration.transform import dbt_build
from ingestion.privacy import pseudonym

FIXTURES = Path(__file__).parents[1] / "fixtures"
# the outcome marts and every mart the report (issue 13) reads: the parents of its dbt exposure
OUTCOMES = "+exposure:lagesbild"
COUNTS = ["n_registered_unemployed", "n_ended", "n_ended_to_work", "n_ended_to_studies", "n_ended_to_work_or_studies"]
# the target groups as fct_jobseeker_month's flags: registered unemployed in the month's own groups,
# endings in the effective ones (the month before, for the month a registration ended)
GROUP_FLAG = {
    "alla": ("true", "true"),
    **{
        g: (g, f"effective_{g}")
        for g in (
            "unga",
            "nyanlanda",
            "funktionsnedsattning",
            "ekonomiskt_bistand",
            "utrikes_fodda_kvinnor",
            "langtidsarbetslosa",
        )
    },
}


def fetch(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def xmins(url: str, period: str) -> Counter:
    """How many rows of the half-year each transaction wrote: unchanged rows keep theirs."""
    return Counter(
        dict(
            fetch(
                url,
                "select xmin::text, count(*) from marts.mart_agreement_outcomes where period = %s group by 1",
                period,
            )
        )
    )


@pytest.fixture(scope="module")
def warehouse(test_db_factory, tmp_path_factory) -> dict:
    url = test_db_factory()
    work = tmp_path_factory.mktemp("outcomes")
    landing = work / "landing"
    seen: dict = {"url": url}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", url)
        patch.setenv("QUARANTINE_DIR", str(work / "quarantine"))
        patch.setenv("QUARANTINE_MODE", "copy")
        patch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
        patch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)
        copy_register_and_forms(landing)
        registry = landing / "registry"
        registry.mkdir()
        for name in ("sokande_202406.txt", "sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
            shutil.copy(FIXTURES / "registry" / name, registry / name)
        for source in ("agreement_register", "followup_forms", "registry"):
            sources.ingest(source, landing)
        dbt_build(url, select=OUTCOMES)
        seen["june_only"] = xmins(url, "2024H1")
        shutil.copy(FIXTURES / "registry" / "sokande_202407.txt.gz", registry / "sokande_202407.txt.gz")
        sources.ingest("registry", landing)
        dbt_build(url, select=OUTCOMES)
        seen["with_july"] = xmins(url, "2024H1")
        yield seen


def test_a_new_month_rebuilds_only_its_half_year(warehouse):
    url = warehouse["url"]
    assert sum(warehouse["june_only"].values()) > 0
    assert warehouse["with_july"] == warehouse["june_only"]  # 2024H1 untouched when July came
    assert fetch(
        url, "select period, max(n_months_loaded) from marts.mart_agreement_outcomes group by 1 order by 1"
    ) == [
        ("2024H1", 1),
        ("2024H2", 1),
    ]


def test_agreement_counts_are_distinct_persons_in_its_municipalities(warehouse):
    """Every shown count of every agreement, half-year and target group (breakdown alla), recomputed from
    restricted.fct_jobseeker_month and the agreements' coverage: persons with a month in one of the
    agreement's municipalities, in the group and with the measure's condition that month."""
    url = warehouse["url"]
    conditions = {
        "n_registered_unemployed": "is_registered_unemployed",
        "n_ended": "ended",
        "n_ended_to_work_or_studies": "(ended_to_work or ended_to_studies)",
    }
    checked = 0
    for group, (own, effective) in GROUP_FLAG.items():
        for count, condition in conditions.items():
            flag = own if count == "n_registered_unemployed" else effective
            expected = dict(
                fetch(
                    url,
                    f"""select c.overenskommelse_id || ' ' || c.period, count(distinct m.person_id)
                        from intermediate.int_agreement_outcomes__coverage c
                        join restricted.fct_jobseeker_month m
                          on m.kommunkod = c.kommunkod
                         and to_char(m.manad, 'YYYY') || case when extract(month from m.manad) <= 6
                                                              then 'H1' else 'H2' end = c.period
                        where c.malgrupp = %s and {flag} and {condition}
                        group by 1""",
                    group,
                )
            )
            shown = fetch(
                url,
                f"""select overenskommelse_id || ' ' || period, {count}, {count}_suppressed
                    from marts.mart_agreement_outcomes
                    where malgrupp = %s and dimension = 'alla'""",
                group,
            )
            for key, value, suppressed in shown:
                if suppressed:
                    assert value is None
                    continue
                assert value == expected.get(key, 0), (group, count, key)
                checked += 1
    assert checked > 50


def test_coverage_counts_tackt_ej_tackt_and_alla(warehouse):
    url = warehouse["url"]
    expected = dict(
        fetch(
            url,
            """with covered as (
                   select distinct period, kommunkod from intermediate.int_agreement_outcomes__coverage
                   where malgrupp = 'alla' and niva <> 'central'
               ), months as (
                   select m.person_id, m.kommunkod,
                          to_char(m.manad, 'YYYY') || case when extract(month from m.manad) <= 6
                                                           then 'H1' else 'H2' end as period
                   from restricted.fct_jobseeker_month m where m.is_registered_unemployed
               )
               select months.period || ' ' || case when covered.kommunkod is null then 'ej_tackt' else 'tackt' end,
                      count(distinct months.person_id)
               from months left join covered using (period, kommunkod)
               group by 1
               union all
               select period || ' alla', count(distinct person_id) from months group by 1""",
        )
    )
    shown = fetch(
        url,
        """select period || ' ' || tackning, n_registered_unemployed, n_registered_unemployed_suppressed
           from marts.mart_coverage_outcomes
           where niva = 'riket' and basis = 'utan_centrala' and malgrupp = 'alla' and dimension = 'alla'""",
    )
    assert len(shown) == 6
    for key, value, suppressed in shown:
        assert suppressed or value == expected.get(key, 0), key
    assert {k: v for k, v, _ in shown}["2024H1 alla"] > 0


def test_no_count_of_one_to_four_is_shown_and_analysts_cannot_read_persons(warehouse):
    url = warehouse["url"]
    for mart in ("mart_agreement_outcomes", "mart_coverage_outcomes"):
        for count in COUNTS:
            assert fetch(url, f"select count(*) from marts.{mart} where {count} between 1 and 4") == [(0,)]
            assert fetch(
                url, f"select count(*) from marts.{mart} where {count}_suppressed and {count} is not null"
            ) == [(0,)]
        assert fetch(url, f"select count(*) from marts.{mart} where n_ended_suppressed")[0][0] > 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set role analyst")
        assert conn.execute("select count(*) from marts.mart_agreement_outcomes").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select 1 from restricted.fct_jobseeker_period limit 1")


def test_reported_figures_stand_beside_the_registry(warehouse):
    """The current forms of 2024H1 are in the mart as delivered: alla sums each form's rows."""
    url = warehouse["url"]
    reported = dict(
        fetch(
            url,
            """select overenskommelse_id || ' ' || malgrupp, sum(n_participants)
               from marts.fct_followup_participants where is_current and period = '2024H1' group by 1""",
        )
    )
    shown = fetch(
        url,
        """select overenskommelse_id || ' ' || malgrupp, reported_participants from marts.mart_agreement_outcomes
           where period = '2024H1' and dimension = 'alla' and reported_participants is not null""",
    )
    assert shown, "no agreement of the sample register has a form beside its registry figures"
    for key, value in shown:
        assert value == reported[key], key


class _Tables(HTMLParser):
    """The tables of an edition: id → rows of cell texts (the header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_report_editions_show_the_marts_figures_and_rebuild_byte_identical(warehouse, tmp_path):
    """Issue 13, first part: every edition of the half-year is written; the national edition's outcome
    table shows each target group's published counts as the mart has them (Swedish formatting, `..` where
    suppressed); a rebuild gives the same bytes."""
    from ingestion.report import formatting
    from ingestion.report.build import build_editions

    url = warehouse["url"]
    manifest = build_editions("2024H1", url=url, out_dir=tmp_path, pdf=False)
    n_counties = fetch(url, "select count(*) from marts.dim_county")[0][0]
    pages = [name for name in manifest["files"] if name.endswith(".html")]
    assert len(pages) == n_counties + 1 and "riket.html" in pages
    first = {name: (tmp_path / "2024H1" / name).read_bytes() for name in pages}
    build_editions("2024H1", url=url, out_dir=tmp_path, pdf=False)
    assert {name: (tmp_path / "2024H1" / name).read_bytes() for name in pages} == first
    parser = _Tables()
    parser.feed(first["riket.html"].decode("utf-8"))
    rows = parser.tables["tabell-resultat-malgrupp"][1:]
    mart = fetch(
        url,
        """select n_registered_unemployed, n_registered_unemployed_suppressed, n_ended, n_ended_suppressed
           from marts.mart_coverage_outcomes
           where period = '2024H1' and niva = 'riket' and basis = 'utan_centrala' and tackning = 'alla'
             and dimension = 'alla'
           order by array_position(array['alla', 'unga', 'nyanlanda', 'funktionsnedsattning',
                    'ekonomiskt_bistand', 'utrikes_fodda_kvinnor', 'langtidsarbetslosa'], malgrupp)""",
    )
    assert len(rows) == len(mart) == 7
    for shown, (registered, registered_s, ended, ended_s) in zip(rows, mart, strict=True):
        assert shown[1] == formatting.count(registered, registered_s)
        assert shown[2] == formatting.count(ended, ended_s)
    assert "ofullstandig" in first["riket.html"].decode("utf-8")  # one month of six: said on the first page


def test_report_pdf_sections_start_on_new_pages_hold_the_figures_and_render(warehouse, tmp_path):
    """The PDF of the national edition: byte-identical when built again, the summary on the first page under
    the title and every other section's heading at the top of a page, the summary's key figure in the text, and its pages render to images that are not blank."""
    import pypdfium2

    from ingestion.report.build import build_edition

    url = warehouse["url"]
    written = build_edition("2024H1", None, None, url=url, out_dir=tmp_path)
    first = (tmp_path / "2024H1" / "riket.pdf").read_bytes()
    assert written["pdf"] == "riket.pdf"
    build_edition("2024H1", None, None, url=url, out_dir=tmp_path)
    assert (tmp_path / "2024H1" / "riket.pdf").read_bytes() == first
    document = pypdfium2.PdfDocument(first)
    texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    headings = [
        "1. Sammanfattning",
        "2. Överenskommelser",
        "3. Uppföljning",
        "4. Bedömning",
        "5. Mål",
        "6. Resultat",
        "7. Lokala jobbspår",
        "8. Om statistiken",
    ]
    assert texts[0].lstrip().startswith("Samverkan mellan kommunerna") and "1. Sammanfattning" in texts[0]
    assert "ofullständiga" in texts[0]  # one month of six: said on the first page
    for heading in headings[1:]:  # the summary shares the first page with the title; every other section opens one
        assert any(text.lstrip().startswith(heading) for text in texts), heading
    (registered,) = fetch(
        url,
        """select n_registered_unemployed from marts.mart_coverage_outcomes
           where period = '2024H1' and niva = 'riket' and basis = 'utan_centrala' and tackning = 'alla'
             and malgrupp = 'alla' and dimension = 'alla'""",
    )[0]
    from ingestion.report import formatting

    assert formatting.count(registered).replace("\xa0", " ") in "".join(texts).replace("\xa0", " ")
    for index in range(len(document)):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        low, high = image.getextrema()
        assert high - low > 100, f"page {index + 1} is blank"


def _chromium() -> str | None:
    import os

    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _watched_page(browser):
    """A new page with lists of its console errors and warnings, uncaught exceptions and requests."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    return page, problems, requests


@pytest.mark.skipif(_chromium() is None, reason="Debian's Chromium is not installed (make setup installs it as root)")
def test_report_in_a_real_browser_shows_every_chart_without_errors_or_requests(warehouse, tmp_path):
    """The national and Stockholm editions opened in headless Chromium (Playwright driving Debian's
    browser): every figure's SVG is drawn at a readable size and has a text alternative, the page logs no
    console error and raises nothing, and opening it makes no request beyond the file itself. A full-page
    screenshot of each is kept as a test artefact (``.state/test-artifacts``)."""
    from playwright.sync_api import sync_playwright

    from ingestion.core import config
    from ingestion.report.build import build_edition

    url = warehouse["url"]
    artefacts = config.PROJECT_ROOT / ".state" / "test-artifacts"
    artefacts.mkdir(parents=True, exist_ok=True)
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    flags += ["--disable-sync", "--no-first-run", "--disable-quic"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=flags)
        try:
            for lanskod, name in ((None, "riket"), ("01", "01")):
                build_edition(
                    "2024H1", lanskod, "Stockholms län" if lanskod else None, url=url, out_dir=tmp_path, pdf=False
                )
                path = tmp_path / "2024H1" / f"{name}.html"
                page, problems, requests = _watched_page(browser)
                page.goto(path.as_uri(), wait_until="load")
                figures = page.locator("figure")
                n_figures = (path.read_text(encoding="utf-8")).count("<figure")
                assert n_figures >= 2 and figures.count() == n_figures
                for index in range(n_figures):
                    figure = figures.nth(index)
                    assert (figure.get_attribute("aria-label") or "").strip(), f"figure {index} has no text alternative"
                    box = figure.locator("svg").first.bounding_box()
                    assert box and box["width"] > 300 and box["height"] > 100, f"figure {index} of {name}: {box}"
                    assert figure.locator("svg text").count() > 3  # labels are text, legible and searchable
                screenshot = artefacts / f"lagesbild-{name}.png"
                page.screenshot(path=screenshot, full_page=True)
                page.close()
                assert problems == [], problems
                assert requests == [path.as_uri()], requests
                from PIL import Image

                with Image.open(screenshot) as image:
                    low, high = image.convert("L").getextrema()
                    assert image.height > 2000 and high - low > 100
        finally:
            browser.close()


def test_report_breakdowns_means_and_key_figures_equal_the_marts_and_hide_suppressed_cells(warehouse, tmp_path):
    """The national edition's breakdown tables (sex, age group, birth region), F1–F12 means and key figures
    show the marts' published values; every cell the mart suppresses is `..` (the fixture's small counts
    suppress some), and no other cell is."""
    from ingestion.report import formatting
    from ingestion.report.build import BREAKDOWNS, build_edition

    url = warehouse["url"]
    build_edition("2024H1", None, None, url=url, out_dir=tmp_path, pdf=False)
    parser = _Tables()
    parser.feed((tmp_path / "2024H1" / "riket.html").read_text(encoding="utf-8"))
    names = {label: code for code, label in _group_names().items()}
    n_suppressed = 0
    for dimension, _, values in BREAKDOWNS:
        table = parser.tables[f"tabell-resultat-{dimension}"]
        assert len(table) > 1
        cells = [cell for shown in table[1:] for cell in shown[1:] if "%" in cell]
        decimals = {len(cell.split(",")[1].split("\xa0")[0]) if "," in cell else 0 for cell in cells}
        assert len(decimals) <= 1  # one precision per table
        precision = decimals.pop() if decimals else 0
        looked_alike = False  # a decimal only where whole per cents would make two values of a row look alike
        for shown in table[1:]:
            row_shares = []
            for (value, _), cell in zip(values, shown[1:], strict=True):
                ((share, suppressed),) = fetch(
                    url,
                    """select share_ended_to_work_or_studies, share_ended_to_work_or_studies_suppressed
                       from marts.mart_coverage_outcomes
                       where period = '2024H1' and niva = 'riket' and basis = 'utan_centrala'
                         and tackning = 'alla' and malgrupp = %s and dimension = %s and dimension_value = %s""",
                    names[shown[0]],
                    dimension,
                    value,
                )
                assert cell == formatting.percent(share, suppressed, precision)
                n_suppressed += suppressed
                if share is not None and not suppressed:
                    row_shares.append(float(share))
            coarser = [formatting.percent(s, decimals=max(precision - 1, 0)) for s in set(row_shares)]
            looked_alike |= len(set(coarser)) < len(set(row_shares))
        assert precision == 0 or looked_alike
    assert n_suppressed > 0  # the fixture is small enough that disclosure control hides cells
    means = dict(
        fetch(
            url,
            """select question_code, mean_answer from marts.mart_followup_assessment_by_group
               where period = '2024H1' and group_type = 'alla'""",
        )
    )
    shown_means = {row[0].split(" ")[0]: row[-1] for row in parser.tables["tabell-bedomning"][1:]}
    assert shown_means and shown_means == {q: formatting.mean(m) for q, m in means.items()}
    ((registered, registered_s),) = fetch(
        url,
        """select n_registered_unemployed, n_registered_unemployed_suppressed from marts.mart_coverage_outcomes
           where period = '2024H1' and niva = 'riket' and basis = 'utan_centrala' and tackning = 'alla'
             and malgrupp = 'alla' and dimension = 'alla'""",
    )
    key = {row[0]: row[1:] for row in parser.tables["tabell-sammanfattning"][1:]}
    assert key["Inskrivna arbetslösa"][0] == formatting.count(registered, registered_s)
    ((owed, received),) = fetch(
        url,
        """select count(*) filter (where expected), count(*) filter (where expected and received)
           from marts.mart_followup_completeness where period = '2024H1'""",
    )
    assert key["Uppföljningsformulär som skulle lämnas"][0] == formatting.count(owed)
    assert key["Inkomna formulär"][0] == formatting.count(received)


def _group_names() -> dict[str, str]:
    from ingestion.report.build import TARGET_GROUP_NAMES

    return TARGET_GROUP_NAMES


def test_a_half_year_without_data_or_misspelt_is_refused_in_swedish(warehouse):
    """``make report PERIOD=…`` for a half-year the marts have no outcomes for, or written wrongly, says so
    (and which half-years there are) instead of writing empty editions."""
    from ingestion.report.build import plan_editions

    with pytest.raises(ValueError, match=r"inga registerutfall för 2030H1; halvår med utfall: 2024H1"):
        plan_editions("2030H1", url=warehouse["url"])
    with pytest.raises(ValueError, match="ÅÅÅÅH1 eller ÅÅÅÅH2"):
        plan_editions("2025-1", url=warehouse["url"])


def test_report_forms_goals_and_coverage_tables_equal_the_marts(warehouse, tmp_path):
    """The national edition's tables from the agreement register and the forms: municipalities with and
    without an agreement per county (mart_municipality_coverage), the forms' totals over the counties
    (mart_followup_completeness) and all goals by assessment (mart_followup_goals)."""
    from ingestion.report import formatting
    from ingestion.report.build import build_edition

    url = warehouse["url"]
    build_edition("2024H1", None, None, url=url, out_dir=tmp_path, pdf=False)
    parser = _Tables()
    parser.feed((tmp_path / "2024H1" / "riket.html").read_text(encoding="utf-8"))
    (snapshot,) = fetch(
        url, "select max(register_snapshot_date) from marts.mart_agreement_outcomes where period = '2024H1'"
    )[0]
    coverage = fetch(
        url,
        """select county_name, count(*), count(*) filter (where is_covered), count(*) filter (where not is_covered)
           from marts.mart_municipality_coverage where snapshot_date = %s group by lanskod, county_name
           order by lanskod""",
        snapshot,
    )
    shown = parser.tables["tabell-tackning-lan"][1:]
    assert shown == [[name, *(formatting.count(n) for n in counts)] for name, *counts in coverage]
    forms = parser.tables["tabell-uppfoljning"][1:]
    ((owed, received, on_time),) = fetch(
        url,
        """select count(*) filter (where expected), count(*) filter (where expected and received),
                  count(*) filter (where expected and received_on_time)
           from marts.mart_followup_completeness where period = '2024H1'""",
    )
    as_int = lambda text: int(text.replace("\xa0", ""))  # noqa: E731
    assert [sum(as_int(row[i]) for row in forms) for i in (1, 2, 3)] == [owed, received, on_time]
    goals = {row[0]: row[1:] for row in parser.tables["tabell-mal"][1:]}
    by_assessment = dict(
        fetch(url, "select bedomning, count(*) from marts.mart_followup_goals where period = '2024H1' group by 1")
    )
    expected = [by_assessment.get(b, 0) for b in ("uppnatt", "delvis_uppnatt", "ej_uppnatt", "kan_inte_bedoma")]
    assert goals["Samtliga mål"] == [formatting.count(n) for n in [*expected, sum(by_assessment.values())]]
