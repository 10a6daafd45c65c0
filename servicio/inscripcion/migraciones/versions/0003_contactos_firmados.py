"""Phone numbers that wrote in a request signed by Twilio (console sends, WhatsApp window).

Revision ID: 0003_contactos_firmados
Revises: 0002_consola
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_contactos_firmados"
down_revision = "0002_consola"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contactos_firmados",
        sa.Column("medio", sa.String(length=10), nullable=False),
        sa.Column("telefono", sa.String(length=20), nullable=False),
        sa.Column("ultimo_en", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("medio", "telefono"),
    )
    op.create_index(
        op.f("ix_contactos_firmados_ultimo_en"), "contactos_firmados", ["ultimo_en"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_contactos_firmados_ultimo_en"), table_name="contactos_firmados")
    op.drop_table("contactos_firmados")
