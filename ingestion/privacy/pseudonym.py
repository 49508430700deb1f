"""The keyed pseudonym that replaces every personnummer before anything reaches the database.

``person_id`` = SipHash-2-4 with a 128-bit tag, keyed, of the 12-digit personnummer: the same person
gets the same pseudonym in every extract, and without the key nobody can get the number back (there
are only some 10^9 personnummer, so a plain hash could be reversed by trying them all: the key is what
protects them). SipHash (Aumasson & Bernstein) is a MAC built for short inputs; it is computed here
for a whole block of personnummer at once with numpy, which is what lets a national month load at
near-COPY speed (BLAKE2b through hashlib, one call per person, cost twice as much; see
benchmarks/bench_registry.py). It is checked against the reference test vectors in the tests. The
secret key is kept outside the repository:

1. ``REGISTRY_PSEUDONYM_KEY`` — the key itself (at least 32 characters; hex is fine),
2. ``REGISTRY_PSEUDONYM_KEY_FILE`` — a file holding it (e.g. a mounted secret),
3. the Airflow connection ``registry_pseudonym`` (its password field), when running in Airflow.

``make demo`` and ``make run`` create a local key in the project's state folder if none is set
(:func:`ensure_local_key`). A lost key means new pseudonyms: the months already loaded could no
longer be linked to new ones, so the loader refuses a key other than the one the warehouse was
first loaded with (it keeps a fingerprint of the key, never the key).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from ingestion.core import config

KEY_ENV = "REGISTRY_PSEUDONYM_KEY"
KEY_FILE_ENV = "REGISTRY_PSEUDONYM_KEY_FILE"
AIRFLOW_CONNECTION = "registry_pseudonym"
MIN_KEY_LENGTH = 32


class MissingKeyError(RuntimeError):
    """No pseudonymisation key is configured: the registry extracts must not be loaded."""


def _from_airflow() -> str | None:
    try:
        from airflow.sdk import Connection
    except ImportError:
        return None
    try:
        return Connection.get(AIRFLOW_CONNECTION).password or None
    except Exception:  # not in a task, or no such connection
        return None


def load_key() -> bytes:
    """The secret key, from the environment, a key file or Airflow; else a plain-words refusal."""
    value = os.environ.get(KEY_ENV)
    source = KEY_ENV
    if not value and os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV])
        if not path.is_file():
            raise MissingKeyError(f"{KEY_FILE_ENV} pekar på en fil som inte finns ({path}).")
        value, source = path.read_text(encoding="utf-8").strip(), KEY_FILE_ENV
    if not value:
        value, source = _from_airflow(), f"Airflow-anslutningen {AIRFLOW_CONNECTION}"
    if not value:
        raise MissingKeyError(
            "Ingen nyckel för pseudonymisering av personnummer är satt, så registerutdragen läses inte in "
            "(personnummer får aldrig nå databasen). Sätt miljövariabeln "
            f"{KEY_ENV} (minst {MIN_KEY_LENGTH} tecken) eller {KEY_FILE_ENV} (en fil med nyckeln), "
            f"eller lösenordet i Airflow-anslutningen {AIRFLOW_CONNECTION}. Lokalt skapar `make demo` och "
            "`make run` en nyckel åt dig."
        )
    if len(value) < MIN_KEY_LENGTH:
        raise MissingKeyError(f"Nyckeln i {source} är för kort: minst {MIN_KEY_LENGTH} tecken behövs.")
    return hashlib.blake2b(value.encode("utf-8"), digest_size=64, person=b"samverkan-key").digest()


def fingerprint(key: bytes) -> str:
    """Identifies a key without revealing it (a MAC of a constant), kept in ``meta.pseudonym_key``."""
    return hashlib.blake2b(b"fingerprint", key=key, digest_size=8).hexdigest()


def siphash_key(key: bytes) -> bytes:
    """The 128-bit SipHash key, derived from the (derived) secret key."""
    return hashlib.blake2b(key, digest_size=16, person=b"siphash-pnr").digest()


def _sipround(v0, v1, v2, v3):
    def rotl(x, b):
        word = x.dtype.type  # numpy's uint64, without importing numpy at module level
        return (x << word(b)) | (x >> word(64 - b))

    v0 += v1
    v1 = rotl(v1, 13)
    v1 ^= v0
    v0 = rotl(v0, 32)
    v2 += v3
    v3 = rotl(v3, 16)
    v3 ^= v2
    v0 += v3
    v3 = rotl(v3, 21)
    v3 ^= v0
    v2 += v1
    v1 = rotl(v1, 17)
    v1 ^= v2
    v2 = rotl(v2, 32)
    return v0, v1, v2, v3


def siphash128(messages, sip_key: bytes):
    """SipHash-2-4 with a 128-bit tag of every row of ``messages`` (an (n, 12) uint8 array: 12-byte
    messages, as a personnummer is), computed column-wise for all rows at once. Returns (n, 16) uint8,
    the tags as bytes, as the reference implementation writes them."""
    import numpy as np

    n = len(messages)
    k0 = int.from_bytes(sip_key[:8], "little")
    k1 = int.from_bytes(sip_key[8:16], "little")
    block = np.zeros((n, 16), np.uint8)
    block[:, :12] = messages
    block[:, 15] = 12  # the last word carries the message length in its top byte
    words = block.view("<u8")
    with np.errstate(over="ignore"):
        v0 = np.full(n, k0 ^ 0x736F6D6570736575, np.uint64)
        v1 = np.full(n, k1 ^ 0x646F72616E646F6D ^ 0xEE, np.uint64)  # 0xee: the 128-bit variant
        v2 = np.full(n, k0 ^ 0x6C7967656E657261, np.uint64)
        v3 = np.full(n, k1 ^ 0x7465646279746573, np.uint64)
        for i in (0, 1):
            m = words[:, i]
            v3 ^= m
            v0, v1, v2, v3 = _sipround(*_sipround(v0, v1, v2, v3))
            v0 ^= m
        v2 ^= np.uint64(0xEE)
        for _ in range(4):
            v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        out = np.empty((n, 2), "<u8")
        out[:, 0] = v0 ^ v1 ^ v2 ^ v3
        v1 ^= np.uint64(0xDD)
        for _ in range(4):
            v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        out[:, 1] = v0 ^ v1 ^ v2 ^ v3
    return out.view(np.uint8).reshape(n, 16)


def pseudonymise_many(pnrs: list[bytes], key: bytes) -> list[str]:
    """The pseudonyms of normalised personnummer (12 ASCII digits each), as 32 hex digits (a uuid)."""
    import numpy as np

    if not pnrs:
        return []
    messages = np.frombuffer(b"".join(pnrs), np.uint8).reshape(-1, 12)
    return [tag.tobytes().hex() for tag in siphash128(messages, siphash_key(key))]


def pseudonymise(pnr12: bytes, key: bytes) -> str:
    """The pseudonym of one normalised personnummer (12 ASCII digits), as 32 hex digits (a uuid)."""
    return pseudonymise_many([pnr12], key)[0]


def local_key_file() -> Path:
    return config.state_dir() / "secrets" / "registry_pseudonym.key"


def ensure_local_key() -> Path | None:
    """For local runs (``make demo``/``make run``): use a key file in the state folder, creating one
    the first time, unless a key is configured already. Returns the file when it is used."""
    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        return None
    path = local_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    os.environ[KEY_FILE_ENV] = str(path)
    return path
