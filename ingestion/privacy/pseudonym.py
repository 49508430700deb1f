"""The keyed pseudonym that replaces every personnummer before anything reaches the database.

``person_id`` = AES-CMAC (NIST SP 800-38B, RFC 4493; scheme :data:`SCHEME`) under a key derived from the
configured secret, of the 12-digit personnummer or samordningsnummer: the same person gets the same
pseudonym in every extract, and without the key nobody can get the number back (there are only some
10^9 personnummer, so a plain hash could be reversed by trying them all: the key is what protects them).

Why AES-CMAC: a standard MAC computed by a maintained, C-backed library (``cryptography``, i.e. OpenSSL's
AES), not by code of this project. A personnummer is 12 bytes, one AES block, so its CMAC is one AES
encryption of the padded block XOR the subkey K2, and the whole block of rows of an extract is encrypted
with one call into the library (ECB over independent one-block messages is exactly CMAC here). That
costs some 0.03 s for a national month, against 0.12 s for the hand-written numpy SipHash-2-4 it
replaced (scheme ``siphash-2-4-128``) and 1.6 s for HMAC-SHA256 through ``hmac``, one call per person
(``python benchmarks/bench_registry.py --mac``).
:func:`aes_cmac` is checked in the tests against the RFC 4493 vectors and, row by row, against the
library's own ``CMAC``.

The scheme is recorded beside the key's fingerprint in ``meta.pseudonym_key``: pseudonyms of two schemes
never link, so a warehouse made with another scheme is refused like one made with another key. The
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

# The pseudonym scheme, kept beside the key's fingerprint in meta.pseudonym_key: another scheme, like another
# key, gives other pseudonyms for the same people. Bump the version with any change to what is MAC-ed or how.
SCHEME = "aes-cmac-128-v1"
SIPHASH_SCHEME = "siphash-2-4-128"  # the scheme before (hand-written SipHash-2-4, 128-bit tag): refused now
BLOCK = 16  # AES block size, bytes
_RB = 0x87  # RFC 4493's R_b for 128-bit blocks


class MissingKeyError(config.ConfigurationError):
    """No pseudonymisation key is configured: the registry extracts must not be loaded."""


def _from_airflow() -> str | None:
    found = config.airflow_connection(AIRFLOW_CONNECTION)
    return (found.password or None) if found else None


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


def mac_key(key: bytes) -> bytes:
    """The 128-bit AES key of the CMAC, derived from the (derived) secret key: the pseudonym key is used
    for nothing else, and the fingerprint (another derivation) says nothing about it."""
    return hashlib.blake2b(key, digest_size=16, person=b"aes-cmac-pnr").digest()


def _double(block: bytes) -> bytes:
    """Multiplication by x in GF(2^128), as RFC 4493 derives the subkeys (shift left, XOR R_b on carry)."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value ^= (1 << 128) | _RB
    return value.to_bytes(16, "big")


def cmac_subkeys(aes_key: bytes) -> tuple[bytes, bytes]:
    """(K1, K2) of RFC 4493 section 2.3: K1 masks a complete last block, K2 a padded one."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    zero = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor().update(bytes(BLOCK))
    k1 = _double(zero)
    return k1, _double(k1)


def aes_cmac(messages, aes_key: bytes):
    """AES-CMAC (RFC 4493) of every row of ``messages``, an (n, length) uint8 array of messages of one length
    (12 bytes for a personnummer), for all rows at once. Returns (n, 16) uint8, the tags.

    The messages are padded (0x80, then zeros) unless their length is a whole number of blocks, the last
    block is XORed with K2 (padded) or K1 (complete), and the CBC chain runs with one AES call per block
    position over all rows: one call for a personnummer. The AES is the library's; only the padding and
    the chaining, which RFC 4493 spells out, are here."""
    import numpy as np
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    n, length = messages.shape
    n_blocks = max(1, -(-length // BLOCK))
    complete = length > 0 and length % BLOCK == 0
    k1, k2 = cmac_subkeys(aes_key)
    padded = np.zeros((n, n_blocks * BLOCK), np.uint8)
    padded[:, :length] = messages
    if not complete:
        padded[:, length] = 0x80
    padded[:, -BLOCK:] ^= np.frombuffer(k1 if complete else k2, np.uint8)
    encryptor = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor()
    state = np.zeros((n, BLOCK), np.uint8)
    for j in range(n_blocks):
        chained = state ^ padded[:, j * BLOCK : (j + 1) * BLOCK]
        state = np.frombuffer(encryptor.update(chained.tobytes()), np.uint8).reshape(n, BLOCK)
    return state


def pseudonymise_many(pnrs: list[bytes], key: bytes) -> list[str]:
    """The pseudonyms of normalised personnummer or samordningsnummer (12 ASCII digits each), as 32 hex
    digits (a uuid)."""
    import numpy as np

    if not pnrs:
        return []
    messages = np.frombuffer(b"".join(pnrs), np.uint8).reshape(-1, 12)
    return [tag.tobytes().hex() for tag in aes_cmac(messages, mac_key(key))]


def pseudonymise(pnr12: bytes, key: bytes) -> str:
    """The pseudonym of one normalised personnummer or samordningsnummer (12 ASCII digits), as 32 hex
    digits (a uuid)."""
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
        # written whole under a name of its own, then linked into place: two first runs at once (two
        # `make run`) end with one key, and neither ever reads a half-written one
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # the other run's key won: use it
        finally:
            draft.unlink()
    os.environ[KEY_FILE_ENV] = str(path)
    return path
