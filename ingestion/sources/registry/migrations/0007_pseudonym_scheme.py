"""Pseudonym scheme version beside the key fingerprint (filled in by the pseudonym work)."""

revision = "0007_pseudonym_scheme"
down_revision = "0006_load_audit_index_comments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
