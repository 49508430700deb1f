"""Pseudonym scheme version beside the key fingerprint (``meta.pseudonym_key.scheme``).

Pseudonyms made with two schemes never link, just as pseudonyms made with two keys do not, so the loader
refuses a warehouse whose scheme is not its own (``ingestion.sources.registry.load.check_key``). A
warehouse that already holds a fingerprint was loaded with the SipHash-2-4 pseudonym, the only one
before this revision: its row is marked ``siphash-2-4-128`` (the column is added with that default,
which fills the existing rows). The default then becomes the new scheme, ``aes-cmac-128-v1``, for a
fingerprint recorded later; the loader names its scheme in its insert all the same.

Downgrade drops the column, but only from a warehouse whose pseudonyms are all SipHash: below this
revision nothing could tell the older loader that the months were made with another scheme, and it
would load new months whose pseudonyms do not link to them.
"""

from alembic import op

revision = "0007_pseudonym_scheme"
down_revision = "0006_load_audit_index_comments"
branch_labels = None
depends_on = None

# written out: a revision must not change when the code's constants do
SIPHASH_SCHEME = "siphash-2-4-128"
AES_CMAC_SCHEME = "aes-cmac-128-v1"
COMMENT = (
    "The pseudonym scheme every person_id of the warehouse was made with (aes-cmac-128-v1; siphash-2-4-128 before): "
    "a load with another scheme is refused, as its pseudonyms would not link."
)


def upgrade() -> None:
    op.execute(f"alter table meta.pseudonym_key add column scheme text not null default '{SIPHASH_SCHEME}'")
    op.execute(f"alter table meta.pseudonym_key alter column scheme set default '{AES_CMAC_SCHEME}'")
    op.execute(f"comment on column meta.pseudonym_key.scheme is '{COMMENT}'")


def downgrade() -> None:
    other = (
        op.get_bind()
        .exec_driver_sql(f"select count(*) from meta.pseudonym_key where scheme <> '{SIPHASH_SCHEME}'")
        .scalar()
    )
    if other:
        raise RuntimeError(
            "meta.pseudonym_key records pseudonyms of another scheme than SipHash: below 0007_pseudonym_scheme "
            "the loader could not tell, and new months would not link to the loaded ones"
        )
    op.execute("alter table meta.pseudonym_key drop column scheme")
