"""Initial schema: registros, auditoria, canalizaciones, idempotency_keys.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registros",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("folio", sa.String(20), nullable=False),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("open_curp", sa.String(18), nullable=True),
        sa.Column("curp", sa.String(18), nullable=True),
        sa.Column("nombre", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("telefono", sa.String(20), nullable=True),
        sa.Column("pais_residencia", sa.String(80), nullable=True),
        sa.Column("ciudad_residencia", sa.String(120), nullable=True),
        sa.Column("ocupacion", sa.String(120), nullable=True),
        sa.Column("ingreso_mensual", sa.Numeric(14, 2), nullable=True),
        sa.Column("moneda", sa.String(3), nullable=True),
        sa.Column("tipo_cambio", sa.Numeric(12, 4), nullable=True),
        sa.Column("ingreso_mensual_mxn", sa.Numeric(14, 2), nullable=True),
        sa.Column("nss", sa.String(11), nullable=True),
        sa.Column("fecha_nacimiento", sa.Date(), nullable=True),
        sa.Column("sexo", sa.String(1), nullable=True),
        sa.Column("estado_nacimiento", sa.String(2), nullable=True),
        sa.Column("aviso_privacidad_version", sa.String(40), nullable=True),
        sa.Column("consentimiento_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anio_tarifa", sa.Integer(), nullable=False),
        sa.Column("tabla_version", sa.String(20), nullable=False),
        sa.Column("monto_mensual", sa.Numeric(12, 2), nullable=False),
        sa.Column("linea_captura", sa.String(24), nullable=True),
        sa.Column("linea_monto", sa.Numeric(12, 2), nullable=True),
        sa.Column("linea_vence_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actualizado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activado_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eliminado_en", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("folio"),
        # One open registration per CURP: open_curp is NULL once the registration is closed.
        sa.UniqueConstraint("open_curp"),
    )
    op.create_table(
        "auditoria",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("folio", sa.String(20), nullable=False),
        sa.Column("accion", sa.String(40), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_auditoria_folio", "auditoria", ["folio"])
    op.create_table(
        "canalizaciones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resumen", sa.Text(), nullable=False),
        sa.Column("canal", sa.String(20), nullable=False),
        sa.Column("direccion_canal", sa.String(200), nullable=False),
        sa.Column("consulado", sa.String(120), nullable=True),
        sa.Column("estado", sa.String(10), nullable=False),
        sa.Column("respuesta", sa.Text(), nullable=True),
        sa.Column("creada_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cerrada_en", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_canalizaciones_estado", "canalizaciones", ["estado"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("folio", sa.String(20), nullable=True),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_folio", "idempotency_keys", ["folio"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("canalizaciones")
    op.drop_table("auditoria")
    op.drop_table("registros")
