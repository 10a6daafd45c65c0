"""The pre-registration as a case with states (bot/caso.py), notices and monthly reminders.

* ``registros``: ``linea_registrada_en``, ``motivo_cierre``, ``recordatorios`` (consent to a
  monthly reminder), ``canal``/``direccion_canal`` (where notices go when Twilio cannot reach
  the person);
* ``avisos``: notices waiting for the person's next message;
* ``recordatorios_mes``: one reminder per registration and month (unique pair).

Old rows: ``pendiente_de_pago`` and ``activa`` both become ``recibida``. Orienta never knew an
IMSS status: "activa" only meant someone pressed the old simulated "pago" button, so it is not
carried over as ``pagada`` (nor its ``activado_en``). The old ``linea_*`` values were made up by
earlier code, not copied from IMSS: they are cleared, since the columns now mean "what the
promoter recorded from IMSS".

Revision ID: 0006_caso_registro
Revises: 0005_monto_borrable
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_caso_registro"
down_revision = "0005_monto_borrable"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registros") as batch:
        batch.add_column(sa.Column("linea_registrada_en", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("motivo_cierre", sa.String(300)))
        batch.add_column(
            sa.Column("recordatorios", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("canal", sa.String(20)))
        batch.add_column(sa.Column("direccion_canal", sa.String(200)))
    with op.batch_alter_table("registros") as batch:
        batch.alter_column("recordatorios", server_default=None)
    op.execute(
        "UPDATE registros SET estado = 'recibida', activado_en = NULL, linea_captura = NULL, "
        "linea_monto = NULL, linea_vence_en = NULL "
        "WHERE estado IN ('pendiente_de_pago', 'activa')"
    )
    op.create_table(
        "avisos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registro_id", sa.Integer(), sa.ForeignKey("registros.id"), nullable=False),
        sa.Column("canal", sa.String(20)),
        sa.Column("direccion", sa.String(200)),
        sa.Column("texto", sa.Text(), nullable=False),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entregado_en", sa.DateTime(timezone=True)),
        sa.Column("entregado_via", sa.String(20)),
    )
    op.create_index("ix_avisos_registro_id", "avisos", ["registro_id"])
    op.create_index("ix_avisos_direccion", "avisos", ["direccion"])
    op.create_table(
        "recordatorios_mes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registro_id", sa.Integer(), sa.ForeignKey("registros.id"), nullable=False),
        sa.Column("mes", sa.String(7), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("registro_id", "mes", name="uq_recordatorio_mes"),
    )
    op.create_index("ix_recordatorios_mes_registro_id", "recordatorios_mes", ["registro_id"])


def downgrade() -> None:
    op.drop_index("ix_recordatorios_mes_registro_id", "recordatorios_mes")
    op.drop_table("recordatorios_mes")
    op.drop_index("ix_avisos_direccion", "avisos")
    op.drop_index("ix_avisos_registro_id", "avisos")
    op.drop_table("avisos")
    op.execute("UPDATE registros SET estado = 'pendiente_de_pago' WHERE estado <> 'eliminado'")
    with op.batch_alter_table("registros") as batch:
        for columna in (
            "direccion_canal",
            "canal",
            "recordatorios",
            "motivo_cierre",
            "linea_registrada_en",
        ):
            batch.drop_column(columna)
