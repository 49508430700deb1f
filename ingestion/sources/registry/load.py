"""Writing a validated registry month to the warehouse: COPY, reject table, audit and the swap.

A job-seeker month is COPY-ed into a new table of its own while it streams in; only when the whole
file has been read and is within the tolerance does that table replace the month's partition of
``raw.registry_jobseekers`` (detach and drop the old one, attach the new one), in the same
transaction as the audit row, the rejects and ``meta.registry_months``. Readers therefore see the
old month or the new month, never a mix, and a rejected file leaves nothing behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ingestion.core import config
from ingestion.privacy import pseudonym
from ingestion.sources.registry.contract import (
    COPY_COLUMNS,
    PARENT,
    SOURCE,
)
from ingestion.sources.registry.extract import COPY_SIGNATURE, COPY_TRAILER, Reject, Stats

if TYPE_CHECKING:
    import psycopg


class KeyMismatchError(config.ConfigurationError):
    """The key differs from the one the warehouse was first loaded with (pseudonyms would not link)."""


class ToleranceExceeded(Exception):
    """More bad rows than the contract tolerates: the transaction is rolled back, the file rejected."""


class MonthGuard(Exception):  # noqa: N818 (a refusal, not a failure)
    """A delivery that would lose a month: no data rows, or far fewer than the month it would replace.
    Raised inside the load's transaction (so the check and the swap cannot race), which is rolled back."""

    def __init__(self, n_rows: int, n_current: int | None, share: float | None = None) -> None:
        super().__init__("month guard")
        self.n_rows, self.n_current, self.share = n_rows, n_current, share


MIN_SHARE_ENV = "REGISTRY_MIN_SHARE"


def min_share() -> float:
    """The least share of the month in force a re-delivery may have (``REGISTRY_MIN_SHARE``, default 0.5):
    below it the re-delivery is taken for a cut or half-uploaded file, unless an override allows it."""
    return float(os.environ.get(MIN_SHARE_ENV, "0.5"))


def guard_month(conn: psycopg.Connection, extract: str, month: date, checksum: str, n_rows: int) -> str | None:
    """Refuse (:class:`MonthGuard`) a month with no rows, or one below :func:`min_share` of the month in
    force without an override in ``meta.registry_overrides``; returns the audit note of a used override."""
    current = conn.execute(
        "select n_rows from meta.registry_months where extract = %s and manad = %s for update", (extract, month)
    ).fetchone()
    if n_rows == 0:
        raise MonthGuard(0, current[0] if current else None)
    if current is None or n_rows >= min_share() * current[0]:
        return None
    override = conn.execute(
        "select reason, granted_by from meta.registry_overrides where checksum = %s", (checksum,)
    ).fetchone()
    if override is None:
        raise MonthGuard(n_rows, current[0], min_share())
    return f"minskning tillåten av {override[1]}: {override[0]}"


@dataclass
class MonthLoad:
    load_id: int | None
    n_rows: int
    n_rejected: int
    replaced_load_id: int | None
    skipped: bool = False


class SchemeMismatchError(KeyMismatchError):
    """The warehouse's pseudonyms were made with another scheme than this loader's (they would not link);
    a kind of key mismatch, so whatever handles one handles the other."""


def check_key(conn: psycopg.Connection, key: bytes) -> None:
    """Remember the key's fingerprint and the pseudonym scheme on first use; refuse any other key or
    scheme afterwards. Another scheme gives other pseudonyms for the same people, as another key does."""
    row = conn.execute("select fingerprint, scheme from meta.pseudonym_key").fetchone()
    mine = pseudonym.fingerprint(key)
    if row is None:
        conn.execute("insert into meta.pseudonym_key (fingerprint, scheme) values (%s, %s)", (mine, pseudonym.SCHEME))
    elif row[0] != mine:
        raise KeyMismatchError(
            "Nyckeln för pseudonymisering är inte den som lagret först lästes in med: personer i nya "
            "månader skulle få andra pseudonymer än i de redan inlästa. Använd den ursprungliga nyckeln."
        )
    elif row[1] != pseudonym.SCHEME:
        raise SchemeMismatchError(
            f"Lagrets pseudonymer är gjorda med schemat {row[1]}, men den här versionen pseudonymiserar med "
            f"{pseudonym.SCHEME}: personer i nya månader skulle få andra pseudonymer än i de redan inlästa. "
            "Bygg om lagret från leveranserna i en ny databas (se docs/registry-and-privacy.md), eller läs in "
            "med den version som lagret byggdes med."
        )


def audit(
    conn: psycopg.Connection,
    delivery_name: str,
    checksum: str,
    month: date | None,
    counts: dict,
    run_id: str | None,
    *,
    restore: bool = False,
    note: str | None = None,
) -> int | None:
    """The load's audit row; ``None`` when this content is loaded already. A restoration (content loaded
    before, another version in force since) is the content's next version: a new, higher load id."""
    version = 1
    if restore:
        version = conn.execute(
            "select coalesce(max(version), 0) + 1 from meta.load_audit where source = %s and checksum = %s",
            (SOURCE, checksum),
        ).fetchone()[0]
        note = note or "återställer en tidigare inläst version"
    row = conn.execute(
        """insert into meta.load_audit (source, delivery_name, checksum, snapshot_date, row_counts, n_rows, status,
                                        run_id, version, note)
           values (%s, %s, %s, %s, %s, 0, 'loaded', %s, %s, %s)
           on conflict (source, checksum, version) do nothing returning load_id""",
        (SOURCE, delivery_name, checksum, month, json.dumps(counts), run_id, version, note),
    ).fetchone()
    return row[0] if row else None


def _record_override(conn: psycopg.Connection, load_id: int, checksum: str, note: str | None) -> None:
    """A used shrink override: said in the load's audit row, and the override points at the load."""
    if note:
        conn.execute(
            "update meta.load_audit set note = concat_ws('; ', note, %s::text) where load_id = %s", (note, load_id)
        )
        conn.execute("update meta.registry_overrides set load_id = %s where checksum = %s", (load_id, checksum))


def load_jobseeker_month(
    conn: psycopg.Connection,
    *,
    delivery_name: str,
    checksum: str,
    month: date,
    stats: Stats,
    blocks: Iterable[bytes],
    code_lists: dict[str, list[tuple]],
    key: bytes,
    run_id: str | None,
    code_list_checksums: dict[str, str] | None = None,
    restore: bool = False,
) -> MonthLoad:
    """Stream ``blocks`` (COPY input) into a new month table and swap it in, all in one transaction.

    Raises :class:`ToleranceExceeded` (after rolling back) when more than 0.1 % of the rows were bad, and
    :class:`MonthGuard` when the month would be lost (see :func:`guard_month`).
    """
    from psycopg import sql

    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with conn.transaction():
        conn.execute("set local role warehouse_loader")
        check_key(conn, key)
        load_id = audit(conn, delivery_name, checksum, month, {}, run_id, restore=restore)
        if load_id is None:
            return MonthLoad(None, 0, 0, None, skipped=True)
        table = sql.Identifier("raw", f"{PARENT}_y{month:%Y}m{month:%m}_l{load_id}")
        conn.execute(sql.SQL("create table {} (like raw.registry_jobseekers_template)").format(table))
        # The partition bound as a constraint from the start: the rows are checked as they arrive (cheaper
        # than the scan ATTACH PARTITION, or adding the constraint afterwards, would make of the month)
        conn.execute(
            sql.SQL(
                "alter table {} alter column _load_id set default {}, alter column manad set default {},"
                " add constraint {} check (manad >= {} and manad < {})"
            ).format(
                table,
                sql.Literal(load_id),
                sql.Literal(month),
                sql.Identifier(f"registry_jobseekers_l{load_id}_month"),
                sql.Literal(month),
                sql.Literal(next_month),
            )
        )
        # Binary tuples (extract._copy_lines) with their text in UTF-8: the server reads binary text in the
        # client encoding, so that is UTF-8 for the COPY whatever the connection had
        encoding = conn.execute("show client_encoding").fetchone()[0]
        conn.execute("set local client_encoding to 'UTF8'")
        copy_sql = sql.SQL("copy {} ({}) from stdin with (format binary, freeze true)")
        cursor = conn.cursor()
        columns = sql.SQL(", ").join(map(sql.Identifier, COPY_COLUMNS))
        with cursor.copy(copy_sql.format(table, columns), writer=_queued_writer(cursor)) as copy:
            copy.write(COPY_SIGNATURE)
            for block in blocks:
                copy.write(block)
            copy.write(COPY_TRAILER)
        conn.execute(sql.SQL("set local client_encoding to {}").format(sql.Literal(encoding)))
        if not stats.within_tolerance:
            raise ToleranceExceeded
        override = guard_month(conn, "sokande", month, checksum, stats.n_good)
        conn.execute(
            sql.SQL("alter table {} alter column _load_id drop default, alter column manad drop default").format(table)
        )
        # From here on the parent is locked (detach/attach): readers wait a moment, never see half a month.
        old = conn.execute(
            """select c.oid::regclass::text, m.load_id from pg_inherits i join pg_class c on c.oid = i.inhrelid
               left join meta.registry_months m on m.extract = 'sokande' and m.manad = %s
               where i.inhparent = 'raw.registry_jobseekers'::regclass
                 and pg_get_expr(c.relpartbound, c.oid) like %s""",
            (month, f"%FROM ('{month.isoformat()}')%"),
        ).fetchone()
        if old:
            conn.execute(sql.SQL("alter table raw.registry_jobseekers detach partition {}").format(sql.SQL(old[0])))
            conn.execute(sql.SQL("drop table {}").format(sql.SQL(old[0])))
        conn.execute(
            sql.SQL("alter table raw.registry_jobseekers attach partition {} for values from ({}) to ({})").format(
                table, sql.Literal(month), sql.Literal(next_month)
            )
        )
        _replace_code_lists(conn, load_id, month, code_lists)
        record_code_lists(conn, load_id, code_list_checksums or {})
        _write_rejects(conn, load_id, delivery_name, month, stats.rejects)
        replaced = old[1] if old else None
        _set_month(conn, "sokande", month, load_id, stats.n_good, stats.n_bad, replaced)
        _record_override(conn, load_id, checksum, override)
        counts = {f"raw.{PARENT}": stats.n_good, "meta.registry_rejects": stats.n_bad}
        conn.execute(
            "update meta.load_audit set row_counts = %s, n_rows = %s where load_id = %s",
            (json.dumps(counts), stats.n_good, load_id),
        )
    return MonthLoad(load_id, stats.n_good, stats.n_bad, replaced)


COPY_QUEUE_CHUNKS = 32  # chunks of at most 128 KiB (psycopg's): the sender is at most ≈ 4 MiB ahead


def _queued_writer(cursor):
    """psycopg's ``QueuedLibpqWriter`` (a thread sends the tuples while the next block is checked), with a
    short queue: psycopg's own holds 1 024 chunks, up to 128 MiB the loader could run ahead of a slow
    server; 32 keep it within a few blocks. (Measured on a server that keeps up, the peak memory of a
    month was the same with either queue: 122–138 MB, against 84 MB for the text COPY before; the rest is
    the per-block index arrays of the binary tuples.)"""
    from queue import Queue

    from psycopg.copy import QueuedLibpqWriter

    writer = QueuedLibpqWriter(cursor)
    writer._queue = Queue(maxsize=COPY_QUEUE_CHUNKS)
    return writer


def _set_month(
    conn: psycopg.Connection, extract: str, month: date, load_id: int, n_rows: int, n_rejected: int, replaced
) -> None:
    conn.execute(
        """insert into meta.registry_months
               (extract, manad, load_id, rows_load_id, n_rows, n_rejected, replaced_load_id)
           values (%s, %s, %s, %s, %s, %s, %s)
           on conflict (extract, manad) do update set
               load_id = excluded.load_id, rows_load_id = excluded.rows_load_id, n_rows = excluded.n_rows,
               n_rejected = excluded.n_rejected, replaced_load_id = excluded.replaced_load_id""",
        (extract, month, load_id, load_id, n_rows, n_rejected, replaced),
    )


def record_code_lists(conn: psycopg.Connection, load_id: int | None, checksums: dict[str, str]) -> None:
    """Remember code-list contents (file name → checksum) as loaded, so that they are not taken for a change."""
    for file_name, digest in checksums.items():
        conn.execute(
            """insert into meta.registry_code_lists (checksum, file_name, load_id) values (%s, %s, %s)
               on conflict (checksum) do update
               set load_id = coalesce(excluded.load_id, meta.registry_code_lists.load_id)""",
            (digest, file_name, load_id),
        )


def _replace_code_lists(
    conn: psycopg.Connection, load_id: int, month: date, code_lists: dict[str, list[tuple]]
) -> None:
    for table, rows in code_lists.items():
        conn.execute(f"delete from {table} where manad = %s", (month,))
        with conn.cursor().copy(f"copy {table} (_load_id, manad, kod, benamning, {_third(table)}) from stdin") as copy:
            for row in rows:
                copy.write_row((load_id, month, *row))


def _third(table: str) -> str:
    return "grupp" if table.endswith("sokandekategorier") else "utfall"


def _write_rejects(conn: psycopg.Connection, load_id: int, file_name: str, month: date, rejects: list[Reject]) -> None:
    with conn.cursor().copy(
        "copy meta.registry_rejects (load_id, file_name, manad, line_number, column_name, reason) from stdin"
    ) as copy:
        for r in rejects:
            copy.write_row((load_id, file_name, month, r.line, r.column, r.reason))


def load_jobtrack_month(
    conn: psycopg.Connection,
    *,
    delivery_name: str,
    checksum: str,
    month: date,
    tracks: list[tuple],
    participants: list[tuple],
    rejects: list[Reject],
    n_rows: int,
    key: bytes,
    run_id: str | None,
    restore: bool = False,
) -> MonthLoad:
    """Replace the month's job-track snapshot (tracks and participants) in one transaction (refused with
    :class:`MonthGuard` when it has no participants, or far fewer than the snapshot in force)."""
    with conn.transaction():
        conn.execute("set local role warehouse_loader")
        check_key(conn, key)
        load_id = audit(conn, delivery_name, checksum, month, {}, run_id, restore=restore)
        if load_id is None:
            return MonthLoad(None, 0, 0, None, skipped=True)
        override = guard_month(conn, "jobbspar", month, checksum, len(participants))
        old = conn.execute(
            "select load_id from meta.registry_months where extract = 'jobbspar' and manad = %s", (month,)
        ).fetchone()
        conn.execute("delete from raw.registry_jobtracks where manad = %s", (month,))
        conn.execute("delete from raw.registry_jobtrack_participants where manad = %s", (month,))
        with conn.cursor().copy(
            "copy raw.registry_jobtracks (_load_id, manad, _source_row, projektkod, namn, kommunkoder, typ,"
            " bransch, startdatum, slutdatum, status, antal_arbetsgivare) from stdin"
        ) as copy:
            for row in tracks:
                copy.write_row((load_id, month, *row))
        with conn.cursor().copy(
            "copy raw.registry_jobtrack_participants (_load_id, manad, _source_row, projektkod, person_id,"
            " startdatum, slutdatum, avbrott, aktivitet_efter) from stdin"
        ) as copy:
            for row in participants:
                copy.write_row((load_id, month, *row))
        _write_rejects(conn, load_id, delivery_name, month, rejects)
        _set_month(conn, "jobbspar", month, load_id, len(participants), len(rejects), old[0] if old else None)
        _record_override(conn, load_id, checksum, override)
        counts = {
            "raw.registry_jobtracks": len(tracks),
            "raw.registry_jobtrack_participants": len(participants),
            "meta.registry_rejects": len(rejects),
        }
        conn.execute(
            "update meta.load_audit set row_counts = %s, n_rows = %s where load_id = %s",
            (json.dumps(counts), len(tracks) + len(participants), load_id),
        )
    return MonthLoad(load_id, len(tracks) + len(participants), len(rejects), old[0] if old else None)


def load_code_list_change(
    conn: psycopg.Connection,
    *,
    file_name: str,
    checksum: str,
    table: str,
    rows: list[tuple],
    months: list[date],
    run_id: str | None,
) -> MonthLoad:
    """A changed code list, loaded on its own: for each job-seeker month that uses it (``months``), its
    rows of ``table`` are replaced and the month's load in force becomes this load, so that dbt rebuilds
    those months from the rows they already have (a change of one line does not reload millions of rows).
    The month's other code list is carried over to this load unchanged."""
    others = {"raw.registry_sokandekategorier", "raw.registry_avaktualiseringsorsaker"} - {table}
    with conn.transaction():
        conn.execute("set local role warehouse_loader")
        load_id = audit(conn, file_name, checksum, None, {}, run_id, note="kodlistebyte")
        if load_id is None:
            return MonthLoad(None, 0, 0, None, skipped=True)
        for month in months:
            conn.execute(f"delete from {table} where manad = %s", (month,))
            with conn.cursor().copy(
                f"copy {table} (_load_id, manad, kod, benamning, {_third(table)}) from stdin"
            ) as copy:
                for row in rows:
                    copy.write_row((load_id, month, *row))
            for other in others:
                conn.execute(f"update {other} set _load_id = %s where manad = %s", (load_id, month))
            conn.execute(
                """update meta.registry_months set replaced_load_id = load_id, load_id = %s
                   where extract = 'sokande' and manad = %s""",
                (load_id, month),
            )
        record_code_lists(conn, load_id, {file_name: checksum})
        counts = {table: len(rows) * len(months), "meta.registry_months": len(months)}
        conn.execute(
            "update meta.load_audit set row_counts = %s, n_rows = %s where load_id = %s",
            (json.dumps(counts), len(rows) * len(months), load_id),
        )
    return MonthLoad(load_id, len(rows) * len(months), 0, None)
