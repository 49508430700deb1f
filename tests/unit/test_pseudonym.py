"""The keyed pseudonym: AES-CMAC computed for a whole block of rows with one AES call, checked against the
RFC 4493 test vectors and, row by row, against the ``cryptography`` library's own ``CMAC``; the pseudonym is
that CMAC under the key derived from the secret, for personnummer and samordningsnummer alike."""

from __future__ import annotations

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC
from registry_rows import pnr

from ingestion.privacy import pseudonym

KEY = b"k" * 64

# RFC 4493 section 4: the AES-128 key, the subkeys, and the four examples (lengths 0, 16, 40 and 64 bytes)
RFC_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
RFC_K1 = "fbeed618357133667c85e08f7236a8de"
RFC_K2 = "f7ddac306ae266ccf90bc11ee46d513b"
RFC_MESSAGE = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710"
)
RFC_EXAMPLES = [
    (0, "bb1d6929e95937287fa37d129b756746"),
    (16, "070a16b46b4d4144f79bdd9dd04a287c"),
    (40, "dfa66747de9ae63030ca32611497c827"),
    (64, "51f0bebf7e3b9d92fc49741779363cfe"),
]


def library_cmac(key: bytes, message: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def test_subkeys_are_rfc_4493s():
    assert [k.hex() for k in pseudonym.cmac_subkeys(RFC_KEY)] == [RFC_K1, RFC_K2]


@pytest.mark.parametrize(("length", "tag"), RFC_EXAMPLES, ids=[f"{n} bytes" for n, _ in RFC_EXAMPLES])
def test_rfc_4493_vectors_for_the_library_and_for_the_block_function(length, tag):
    message = RFC_MESSAGE[:length]
    assert library_cmac(RFC_KEY, message).hex() == tag
    rows = np.frombuffer(message * 3, np.uint8).reshape(3, length)  # three equal rows: three equal tags
    assert [t.tobytes().hex() for t in pseudonym.aes_cmac(rows, RFC_KEY)] == [tag] * 3


@pytest.mark.parametrize("length", [1, 11, 12, 15, 16, 17, 31, 32, 33])
def test_a_block_of_rows_equals_the_library_cmac_row_by_row(length):
    """Random messages of each length around the block size (12: a personnummer), 2 000 rows in one call."""
    rng = np.random.default_rng(length)
    aes_key = rng.bytes(16)
    rows = rng.integers(0, 256, (2000, length), dtype=np.uint8)
    tags = pseudonym.aes_cmac(rows, aes_key)
    assert tags.shape == (2000, 16)
    assert all(tag.tobytes() == library_cmac(aes_key, row.tobytes()) for tag, row in zip(tags, rows, strict=True))
    assert len({tag.tobytes() for tag in tags}) == len({row.tobytes() for row in rows})  # distinct rows, distinct tags


def test_the_pseudonym_is_the_library_cmac_of_the_twelve_digits_under_the_derived_key():
    people = [pnr(), pnr("19900101", "123"), pnr("19850472"), pnr("20010361", "456")]  # two samordningsnummer
    expected = [library_cmac(pseudonym.mac_key(KEY), p.encode()).hex() for p in people]
    assert pseudonym.pseudonymise_many([p.encode() for p in people], KEY) == expected
    assert [pseudonym.pseudonymise(p.encode(), KEY) for p in people] == expected
    assert pseudonym.pseudonymise(people[0].encode(), b"o" * 64) != expected[0]  # another key, another pseudonym
    assert pseudonym.pseudonymise_many([], KEY) == []


def test_the_aes_key_is_derived_and_neither_the_secret_nor_the_fingerprint():
    aes_key = pseudonym.mac_key(KEY)
    assert len(aes_key) == 16 and aes_key not in KEY
    assert aes_key.hex()[:16] != pseudonym.fingerprint(KEY)
    assert pseudonym.mac_key(b"o" * 64) != aes_key


def test_the_scheme_is_named_and_differs_from_the_siphash_one():
    assert pseudonym.SCHEME == "aes-cmac-128-v1"
    assert pseudonym.SIPHASH_SCHEME == "siphash-2-4-128" != pseudonym.SCHEME
    assert not hasattr(pseudonym, "siphash128")  # no hand-written MAC left
