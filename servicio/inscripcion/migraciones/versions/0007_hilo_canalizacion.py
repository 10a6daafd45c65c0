"""The handoff ticket's thread: every message of a case, with author, external id and delivery;
the ticket's closing reason, origin, linked folio, the person's last activity and what the holder
has read; the statistics' unanswered questions marked as handled.

Revision ID: 0007_hilo_canalizacion
Revises: 0006_caso_registro
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_hilo_canalizacion"
down_revision = "0006_caso_registro"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("canalizaciones") as batch:
        batch.add_column(sa.Column("motivo_cierre", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("origen", sa.String(10), nullable=False, server_default=sa.text("'real'"))
        )
        batch.add_column(sa.Column("folio", sa.String(20), nullable=True))
        batch.add_column(
            sa.Column("actividad_persona_en", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("leida_hasta", sa.Integer(), nullable=True))
        batch.create_index("ix_canalizaciones_canal_direccion", ["canal", "direccion_canal"])
    with op.batch_alter_table("respuestas_canalizacion") as batch:
        batch.add_column(
            sa.Column("autor", sa.String(10), nullable=False, server_default=sa.text("'promotor'"))
        )
        batch.add_column(sa.Column("id_externo", sa.String(100), nullable=True))
        batch.add_column(sa.Column("estado_entrega", sa.String(10), nullable=True))
        batch.add_column(sa.Column("fallo", sa.String(200), nullable=True))
        batch.create_unique_constraint(
            "uq_mensaje_caso_id_externo", ["canalizacion_id", "id_externo"]
        )
    # Every older row is a promoter's reply: delivered or still pending.
    op.execute(
        "UPDATE respuestas_canalizacion SET estado_entrega = CASE WHEN entregada_en IS NULL "
        "THEN 'pendiente' ELSE 'entregada' END"
    )
    op.create_table(
        "preguntas_atendidas",
        sa.Column("clave", sa.String(300), primary_key=True),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(60), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("preguntas_atendidas")
    # Only the promoters' replies existed before: the rest of the thread goes.
    op.execute("DELETE FROM respuestas_canalizacion WHERE autor <> 'promotor'")
    with op.batch_alter_table("respuestas_canalizacion") as batch:
        batch.drop_constraint("uq_mensaje_caso_id_externo", type_="unique")
        batch.drop_column("fallo")
        batch.drop_column("estado_entrega")
        batch.drop_column("id_externo")
        batch.drop_column("autor")
    with op.batch_alter_table("canalizaciones") as batch:
        batch.drop_index("ix_canalizaciones_canal_direccion")
        batch.drop_column("leida_hasta")
        batch.drop_column("actividad_persona_en")
        batch.drop_column("folio")
        batch.drop_column("origen")
        batch.drop_column("motivo_cierre")
