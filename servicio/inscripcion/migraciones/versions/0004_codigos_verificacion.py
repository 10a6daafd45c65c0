"""One-time codes for status and erasure (hashed), and the failed attempts that lock them.

Revision ID: 0004_codigos_verificacion
Revises: 0003_contactos_firmados
Create Date: 2026-12-02 06:55:13.374071
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_codigos_verificacion"
down_revision = "0003_contactos_firmados"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codigos_verificacion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folio", sa.String(length=20), nullable=False),
        sa.Column("proposito", sa.String(length=10), nullable=False),
        sa.Column("codigo_hash", sa.String(length=64), nullable=False),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expira_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("usado_en", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_codigos_verificacion_folio"), "codigos_verificacion", ["folio"], unique=False
    )
    op.create_table(
        "intentos_verificacion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clave", sa.String(length=100), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_intentos_verificacion_clave"), "intentos_verificacion", ["clave"], unique=False
    )
    op.create_index(
        op.f("ix_intentos_verificacion_en"), "intentos_verificacion", ["en"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intentos_verificacion_en"), table_name="intentos_verificacion")
    op.drop_index(op.f("ix_intentos_verificacion_clave"), table_name="intentos_verificacion")
    op.drop_table("intentos_verificacion")
    op.drop_index(op.f("ix_codigos_verificacion_folio"), table_name="codigos_verificacion")
    op.drop_table("codigos_verificacion")
