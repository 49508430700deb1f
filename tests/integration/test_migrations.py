"""Schema migrations on a real PostgreSQL: a fresh database, an older warehouse adopted without
losing rows, two migrations at once, and the downgrade of the latest revision.

"The same schema" is compared from the catalog (columns with types, nullability, defaults and
identity, constraints, indexes, owners, grants, default privileges, comments, partitioning), so a
revision that quietly differs from the bootstrap.sql that built the warehouses in the field fails
here. Every database is created by the test under a random name and dropped at the end.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from alembic.script import ScriptDirectory
from psycopg import sql

from ingestion.db.migrate import alembic_config, downgrade, heads, migrate

BOOTSTRAP_BEFORE_MIGRATIONS = (
    Path(__file__).parent.parent / "fixtures" / "migrations" / "bootstrap_before_migrations.sql"
)
BASELINE_HEAD = "0005_registry"
VERSION_TABLE = "meta.schema_migrations"
SCHEMAS = ("public", "raw", "meta", "staging", "intermediate", "marts", "restricted")


@pytest.fixture(scope="module")
def admin_url(request) -> str:
    """The test server: the suite's ``server_url`` fixture when there is one, else WAREHOUSE_URL."""
    try:
        return request.getfixturevalue("server_url")
    except pytest.FixtureLookupError:
        return os.environ["WAREHOUSE_URL"]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture
def new_database(admin_url) -> Iterator[Callable[[], str]]:
    """URLs of databases not created yet (migrate creates them); all dropped at the end of the test."""
    names: list[str] = []

    def make() -> str:
        names.append(f"samverkan_migrations_{uuid.uuid4().hex[:10]}")
        return _with_database(admin_url, names[-1])

    yield make
    with psycopg.connect(_with_database(admin_url, "postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def bootstrap_before_migrations(url: str) -> None:
    """An older warehouse: the database made as bootstrap() made it before migrations existed."""
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(urlsplit(url).path.lstrip("/"))))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BOOTSTRAP_BEFORE_MIGRATIONS.read_text(encoding="utf-8"))


def chain() -> list[str]:
    """Every revision, base first."""
    return [
        script.revision for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
    ]


def load_sample(url: str) -> None:
    """A few loads of each source, written as the loaders write them: as warehouse_loader, audit row first.

    The job seekers' month is loaded like the registry loader does it: a table made LIKE the
    template, given its month check and attached as a partition.
    """
    with psycopg.connect(url) as conn:
        conn.execute("set role warehouse_loader")

        def audit(source: str, delivery: str, snapshot: str | None, n_rows: int) -> int:
            return conn.execute(
                """insert into meta.load_audit (source, delivery_name, checksum, snapshot_date, row_counts, n_rows,
                                                status, run_id, loaded_at)
                   values (%s, %s, md5(%s), %s, '{"rows": 1}', %s, 'loaded', 'manual__1', '2025-01-02 08:00+00')
                   returning load_id""",
                (source, delivery, delivery, snapshot, n_rows),
            ).fetchone()[0]

        register = audit("agreement_register", "overenskommelser_2024-06-30", "2024-06-30", 3)
        conn.execute(
            """insert into raw.register_overenskommelser (_load_id, _snapshot_date, _source_row, overenskommelse_id,
                                                          namn, niva, lanskod, status)
               values (%s, '2024-06-30', 2, 'OK-001', 'Samverkan Norr', 'lokal', '25', 'aktiv'),
                      (%s, '2024-06-30', 3, 'OK-002', 'Samverkan Syd', 'regional', '12', 'aktiv')""",
            (register, register),
        )
        conn.execute(
            """insert into raw.register_overenskommelse_kommuner (_load_id, _snapshot_date, _source_row,
                                                                  overenskommelse_id, kommunkod, tackning)
               values (%s, '2024-06-30', 2, 'OK-001', '2580', 'hel')""",
            (register,),
        )
        forms = audit("followup_forms", "formular_2024-08", None, 2)
        conn.execute(
            """insert into raw.followup_forms (_load_id, form_id, source_format, source_file, content_checksum,
                   overenskommelse_id, period, template_version, submitted_at, submitted_at_basis, kommunkoder)
               values (%s, 'F-1', 'csv', 'export.csv', 'c1', 'OK-001', '2024H1', '2024.1', '2024-08-21 15:02+00',
                       'webbverktyget', '2580')""",
            (forms,),
        )
        conn.execute(
            """insert into raw.followup_goals (_load_id, _source_row, form_id, nr, mal, enhet, malvarde, utfall)
               values (%s, 2, 'F-1', 1, 'Fler i arbete', 'antal', '40', '37.5')""",
            (forms,),
        )
        survey = audit("survey", "enkat_2024", None, 3)
        conn.execute(
            """insert into raw.survey_waves (_load_id, _source_row, enkat_id, omgang, namn, encoding)
               values (%s, 2, 'S1', '2024', 'Samverkansenkäten', 'utf-8-sig')""",
            (survey,),
        )
        conn.execute(
            """insert into raw.survey_answers (_load_id, _source_row, enkat_id, omgang, respondent_id, kolumn,
                                               fraga_id, delfraga, varde)
               values (%s, 2, 'S1', '2024', 'R1', 'Q2', 'Q2', null, '4'),
                      (%s, 3, 'S1', '2024', 'R1', 'Q3_2', 'Q3', '2', '1')""",
            (survey, survey),
        )
        registry = audit("registry", "sokande_2024-01", "2024-01-01", 2)
        conn.execute("insert into meta.pseudonym_key (fingerprint) values ('f1ngerpr1nt')")
        month = f"registry_jobseekers_y2024m01_l{registry}"
        conn.execute(
            sql.SQL("create table {} (like raw.registry_jobseekers_template)").format(sql.Identifier("raw", month))
        )
        conn.execute(
            sql.SQL(
                """insert into {} (_load_id, _source_row, person_id, manad, kommunkod, kon, fodelsear, fodelseregion,
                                   sokandekategori, inskrivningsdatum)
                   values (%s, 2, '6f1c0e52-8d2b-4a47-9d47-2b1f2f7d6a01', '2024-01-01', '2580', 'K', '1990', 'SE', '11',
                           '2023-11-02'),
                          (%s, 3, 'a3b2f6de-1c53-4f2a-8a1e-0f5b7c9d2e10', '2024-01-01', '0180', 'M', '1985', 'UE', '21',
                           '2024-01-15')"""
            ).format(sql.Identifier("raw", month)),
            (registry, registry),
        )
        conn.execute(
            sql.SQL("alter table {} add constraint {} check (manad >= '2024-01-01' and manad < '2024-02-01')").format(
                sql.Identifier("raw", month), sql.Identifier(f"registry_jobseekers_l{registry}_month")
            )
        )
        conn.execute(
            sql.SQL(
                "alter table raw.registry_jobseekers attach partition {} for values from ('2024-01-01') to ('2024-02-01')"
            ).format(sql.Identifier("raw", month))
        )
        conn.execute(
            """insert into raw.registry_sokandekategorier (_load_id, manad, kod, benamning, grupp)
               values (%s, '2024-01-01', '11', 'Arbetslös', 'oppet_arbetslos')""",
            (registry,),
        )
        conn.execute(
            """insert into raw.registry_jobtracks (_load_id, _source_row, manad, projektkod, namn, kommunkoder, typ,
                                                   status, antal_arbetsgivare)
               values (%s, 2, '2024-01-01', 'P-7', 'Vård', '2580', 'lokalt', 'pagaende', 3)""",
            (registry,),
        )
        conn.execute(
            """insert into meta.registry_months (extract, manad, load_id, n_rows, n_rejected)
               values ('sokande', '2024-01-01', %s, 2, 1)"""
            if not has_column(conn, "meta.registry_months", "rows_load_id")  # before revision 0009
            else """insert into meta.registry_months (extract, manad, load_id, rows_load_id, n_rows, n_rejected)
                    values ('sokande', '2024-01-01', %s, %s, 2, 1)""",
            (registry,) if not has_column(conn, "meta.registry_months", "rows_load_id") else (registry, registry),
        )
        conn.execute(
            """insert into meta.registry_rejects (load_id, file_name, manad, line_number, column_name, reason)
               values (%s, 'sokande_2024-01.csv', '2024-01-01', 4, 'KOMMUNKOD', 'okänd kommunkod')""",
            (registry,),
        )


def has_column(conn: psycopg.Connection, table: str, column: str) -> bool:
    return bool(
        conn.execute(
            "select 1 from pg_attribute where attrelid = %s::regclass and attname = %s and not attisdropped",
            (table, column),
        ).fetchone()
    )


def columns(url: str) -> dict[str, list[str]]:
    """The columns of every table in raw and meta (bar the version table), in order."""
    with psycopg.connect(url) as conn:
        found = conn.execute(
            """select format('%I.%I', n.nspname, c.relname), array_agg(format('t.%I', a.attname) order by a.attnum)
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
               join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               where n.nspname in ('raw', 'meta') and c.relkind in ('r', 'p') group by 1 order by 1"""
        ).fetchall()
    return {table: names for table, names in found if table != VERSION_TABLE}


def contents(url: str, of: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Every row of every table in raw and meta (bar the version table), as text, sorted. With ``of`` (the
    :func:`columns` of the database before migrating), only those columns: a revision may add a column (the
    value it gives the existing rows is checked in its own test), never lose a row or change a value."""
    with psycopg.connect(url) as conn:
        return {
            table: [row for (row,) in conn.execute(f"select row({', '.join(names)})::text from {table} t order by 1")]
            for table, names in (of or columns(url)).items()
        }


def schema(url: str, without_version_table: bool = False) -> dict[str, list[tuple]]:
    """The warehouse's schema as the catalog holds it, every part sorted (OIDs left out)."""
    queries = {
        "schemas": """
            select n.nspname, n.nspowner::regrole::text, array(select unnest(n.nspacl)::text order by 1)::text,
                   obj_description(n.oid, 'pg_namespace')
            from pg_namespace n where n.nspname = any(%(schemas)s)""",
        "relations": """
            select n.nspname, c.relname, c.relkind::text, c.relowner::regrole::text,
                   array(select unnest(c.relacl)::text order by 1)::text, obj_description(c.oid, 'pg_class'),
                   c.relispartition, pg_get_expr(c.relpartbound, c.oid), pg_get_partkeydef(c.oid)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%(schemas)s)""",
        "columns": """
            select n.nspname, c.relname,
                   -- the column's place among the live ones (a column dropped and added again keeps its place)
                   rank() over (partition by a.attrelid order by a.attnum),
                   a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                   col_description(c.oid, a.attnum), array(select unnest(a.attacl)::text order by 1)::text
            from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
            left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where n.nspname = any(%(schemas)s) and a.attnum > 0 and not a.attisdropped""",
        "constraints": """
            select n.nspname, c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid)
            from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%(schemas)s)""",
        "indexes": """
            select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname = any(%(schemas)s)""",
        "default_privileges": """
            select d.defaclrole::regrole::text, n.nspname, d.defaclobjtype::text,
                   array(select unnest(d.defaclacl)::text order by 1)::text
            from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace""",
    }
    with psycopg.connect(url) as conn:
        found = {
            part: sorted(conn.execute(query, {"schemas": list(SCHEMAS)}).fetchall(), key=repr)
            for part, query in queries.items()
        }
    if without_version_table:
        for part in ("relations", "columns", "constraints", "indexes"):
            found[part] = [row for row in found[part] if not _of_version_table(row)]
    return found


def _of_version_table(row: tuple) -> bool:
    schema_name, relation = row[0], row[1]
    return schema_name == "meta" and relation.startswith("schema_migrations")


def versions(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {version for (version,) in conn.execute(f"select version_num from {VERSION_TABLE}")}


def test_fresh_database_gets_every_revision_once(new_database):
    """An empty server gets the whole chain, in order, once; every table of the old bootstrap exists."""
    url = new_database()
    revisions = chain()
    assert revisions[:5] == [
        "0001_core",
        "0002_agreement_register",
        "0003_followup_forms",
        "0004_survey",
        BASELINE_HEAD,
    ]
    assert migrate(url) == revisions
    assert migrate(url) == []
    assert versions(url) == heads() == {revisions[-1]}
    bootstrap_tables = set(re.findall(r"create table if not exists (\S+)", BOOTSTRAP_BEFORE_MIGRATIONS.read_text()))
    assert len(bootstrap_tables) == 25
    with psycopg.connect(url) as conn:
        tables = {t for (t,) in conn.execute("select schemaname || '.' || tablename from pg_tables")}
        tables |= {
            t
            for (t,) in conn.execute(
                "select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where c.relkind = 'p'"
            )
        }
    assert bootstrap_tables <= tables
    assert VERSION_TABLE in tables


def test_baseline_revisions_equal_the_old_bootstrap(new_database):
    """dbt and the loaders rely on the schema the old bootstrap.sql made: the baseline must be exactly it."""
    old, new = new_database(), new_database()
    bootstrap_before_migrations(old)
    assert migrate(new, target=BASELINE_HEAD) == chain()[:5]
    assert schema(new, without_version_table=True) == schema(old)


def test_older_warehouse_migrates_without_losing_rows(new_database):
    """A warehouse in the field (built by bootstrap.sql, holding loads) is adopted: rows kept, schema = fresh."""
    old, fresh = new_database(), new_database()
    bootstrap_before_migrations(old)
    load_sample(old)
    before = contents(old)
    assert sum(map(len, before.values())) >= 20 and all(
        before[t]
        for t in (
            "meta.load_audit",
            "raw.register_overenskommelser",
            "raw.followup_forms",
            "raw.survey_answers",
            "raw.registry_jobseekers",
            "raw.registry_jobtracks",
            "meta.registry_months",
        )
    )

    old_columns = columns(old)
    assert migrate(old) == chain()  # the baseline is recorded as applied, then the later revisions run
    assert contents(old, of=old_columns) == before
    assert versions(old) == heads()

    migrate(fresh)
    load_sample(fresh)
    assert schema(old) == schema(fresh)
    assert migrate(old) == []


def test_two_migrations_at_once_on_one_new_database(new_database):
    """Two processes starting at once (scheduler and a worker): both succeed, one of them does the work."""
    url = new_database()
    start = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[Exception] = []

    def run() -> None:
        start.wait()
        try:
            results.append(migrate(url))
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results, key=len) == [[], chain()]
    assert versions(url) == heads()


def test_latest_revision_downgrades_and_upgrades_again(new_database):
    """The later revision can be reverted (back to the baseline schema, rows kept) and applied again."""
    url, old = new_database(), new_database()
    migrate(url)
    load_sample(url)
    migrated, rows = schema(url), contents(url)
    latest = chain()[-1]
    assert latest not in chain()[:5]

    assert downgrade(url, "-1") == [latest]
    assert versions(url) == {chain()[-2]}
    # every row kept (a revision that added columns or tables takes them away again)
    down_rows = contents(url)
    assert {t: len(r) for t, r in down_rows.items()} == {t: len(r) for t, r in rows.items() if t in down_rows}
    if chain()[-2] == BASELINE_HEAD:  # back at the baseline: what the old bootstrap.sql made
        bootstrap_before_migrations(old)
        load_sample(old)
        assert schema(url, without_version_table=True) == schema(old, without_version_table=True)

    down_columns = columns(url)
    assert migrate(url) == [latest]
    assert schema(url) == migrated
    assert contents(url, of=down_columns) == down_rows


def test_baseline_refuses_to_downgrade_and_changes_nothing(new_database):
    """Reverting the baseline would drop the data: it raises, and the failed transaction leaves no trace."""
    url = new_database()
    migrate(url, target=BASELINE_HEAD)
    with pytest.raises(RuntimeError, match="the baseline cannot be downgraded"):
        downgrade(url, "base")
    assert versions(url) == {BASELINE_HEAD}
