"""Editable answers: versions of each knowledge-base answer (seed, proposals, published) and
promoters' flags ("esta respuesta está mal").

Revision ID: 0008_contenido
Revises: 0007_hilo_canalizacion
Create Date: 2026-12-02 13:32:06.564819
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_contenido"
down_revision = "0007_hilo_canalizacion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marcas_respuesta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entrada", sa.String(length=40), nullable=False),
        sa.Column("motivo", sa.String(length=300), nullable=False),
        sa.Column("promotor_id", sa.Integer(), nullable=True),
        sa.Column("creada_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("atendida_en", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["promotor_id"],
            ["promotores.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_marcas_respuesta_entrada"), "marcas_respuesta", ["entrada"], unique=False
    )
    op.create_table(
        "versiones_respuesta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entrada", sa.String(length=40), nullable=False),
        sa.Column("numero", sa.Integer(), nullable=False),
        sa.Column("estado", sa.String(length=12), nullable=False),
        sa.Column("titulo", sa.String(length=40), nullable=False),
        sa.Column("corta", sa.Text(), nullable=False),
        sa.Column("detalle", sa.Text(), nullable=False),
        sa.Column("fuente", sa.String(length=300), nullable=False),
        sa.Column("revisar_antes_de", sa.Date(), nullable=False),
        sa.Column("incierto", sa.Boolean(), nullable=False),
        sa.Column("motivo", sa.String(length=300), nullable=False),
        sa.Column("autor_id", sa.Integer(), nullable=True),
        sa.Column("creada_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revisada_por", sa.Integer(), nullable=True),
        sa.Column("revisada_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publicada_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restaura", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["autor_id"],
            ["promotores.id"],
        ),
        sa.ForeignKeyConstraint(
            ["revisada_por"],
            ["promotores.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entrada", "numero", name="uq_version_entrada_numero"),
    )
    op.create_index(
        op.f("ix_versiones_respuesta_entrada"), "versiones_respuesta", ["entrada"], unique=False
    )
    op.create_index(
        op.f("ix_versiones_respuesta_estado"), "versiones_respuesta", ["estado"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_versiones_respuesta_estado"), table_name="versiones_respuesta")
    op.drop_index(op.f("ix_versiones_respuesta_entrada"), table_name="versiones_respuesta")
    op.drop_table("versiones_respuesta")
    op.drop_index(op.f("ix_marcas_respuesta_entrada"), table_name="marcas_respuesta")
    op.drop_table("marcas_respuesta")
