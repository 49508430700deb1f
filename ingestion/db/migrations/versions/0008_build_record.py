"""The record of builds in meta (filled in by the concurrency work)."""

revision = "0008_build_record"
down_revision = "0007_pseudonym_scheme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
