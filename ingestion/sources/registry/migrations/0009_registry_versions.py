"""Registry month versions and overrides (filled in by the month-guard work)."""

revision = "0009_registry_versions"
down_revision = "0008_build_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
