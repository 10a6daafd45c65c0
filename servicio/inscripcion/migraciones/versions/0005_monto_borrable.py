"""The stored fee (it reveals the declared income) is erased with the registration: nullable.

Revision ID: 0005_monto_borrable
Revises: 0004_codigos_verificacion
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_monto_borrable"
down_revision = "0004_codigos_verificacion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registros") as batch:
        batch.alter_column(
            "monto_mensual", existing_type=sa.Numeric(precision=12, scale=2), nullable=True
        )


def downgrade() -> None:
    op.execute("UPDATE registros SET monto_mensual = 0 WHERE monto_mensual IS NULL")
    with op.batch_alter_table("registros") as batch:
        batch.alter_column(
            "monto_mensual", existing_type=sa.Numeric(precision=12, scale=2), nullable=False
        )
