"""Promoter console: accounts, sessions, login throttling, ticket replies, statistics.

Also: who did what in the audit trail, and each registration's consulate, origin, creator and
searchable name.

Revision ID: 0002_consola
Revises: 0001_initial
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_consola"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "promotores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("usuario", sa.String(60), nullable=False),
        sa.Column("nombre", sa.String(120), nullable=False),
        sa.Column("rol", sa.String(20), nullable=False),
        sa.Column("consulado", sa.String(120), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("creado_en", TZ, nullable=False),
        sa.Column("ultimo_acceso_en", TZ, nullable=True),
        sa.UniqueConstraint("usuario"),
    )
    op.create_table(
        "sesiones_consola",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("promotor_id", sa.Integer(), sa.ForeignKey("promotores.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("creada_en", TZ, nullable=False),
        sa.Column("expira_en", TZ, nullable=False),
    )
    op.create_index("ix_sesiones_consola_promotor_id", "sesiones_consola", ["promotor_id"])
    op.create_table(
        "intentos_login",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clave", sa.String(200), nullable=False),
        sa.Column("en", TZ, nullable=False),
    )
    op.create_index("ix_intentos_login_clave", "intentos_login", ["clave"])
    op.create_index("ix_intentos_login_en", "intentos_login", ["en"])
    op.create_table(
        "respuestas_canalizacion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "canalizacion_id", sa.Integer(), sa.ForeignKey("canalizaciones.id"), nullable=False
        ),
        sa.Column("promotor_id", sa.Integer(), sa.ForeignKey("promotores.id"), nullable=True),
        sa.Column("texto", sa.Text(), nullable=False),
        sa.Column("creada_en", TZ, nullable=False),
        sa.Column("entregada_en", TZ, nullable=True),
        sa.Column("entregada_via", sa.String(20), nullable=True),
    )
    op.create_index(
        "ix_respuestas_canalizacion_canalizacion_id",
        "respuestas_canalizacion",
        ["canalizacion_id"],
    )
    op.create_table(
        "metricas_mensajes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("en", TZ, nullable=False),
        sa.Column("canal", sa.String(20), nullable=False),
        sa.Column("conversacion", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(80), nullable=True),
        sa.Column("confianza", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("texto", sa.String(300), nullable=True),
    )
    op.create_index("ix_metricas_mensajes_en", "metricas_mensajes", ["en"])
    op.create_index("ix_metricas_mensajes_conversacion", "metricas_mensajes", ["conversacion"])
    op.create_table(
        "embudo",
        sa.Column("conversacion", sa.String(32), primary_key=True),
        sa.Column("canal", sa.String(20), nullable=False),
        sa.Column("consulado", sa.String(120), nullable=True),
        sa.Column("iniciado_en", TZ, nullable=False),
        sa.Column("enviado_en", TZ, nullable=True),
        sa.Column("folio", sa.String(20), nullable=True),
    )
    # batch: SQLite cannot add a foreign key with ALTER TABLE, so the table is rebuilt there.
    with op.batch_alter_table("registros") as batch:
        batch.add_column(sa.Column("consulado", sa.String(120), nullable=True))
        batch.add_column(sa.Column("origen", sa.String(20), nullable=True))
        batch.add_column(sa.Column("creado_por", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("nombre_busqueda", sa.String(200), nullable=True))
        batch.create_foreign_key(
            "fk_registros_creado_por_promotores", "promotores", ["creado_por"], ["id"]
        )
        batch.create_index("ix_registros_nombre_busqueda", ["nombre_busqueda"])
    with op.batch_alter_table("canalizaciones") as batch:
        batch.add_column(sa.Column("tomada_por", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("tomada_en", TZ, nullable=True))
        batch.create_foreign_key(
            "fk_canalizaciones_tomada_por_promotores", "promotores", ["tomada_por"], ["id"]
        )
    with op.batch_alter_table("auditoria") as batch:
        batch.add_column(sa.Column("actor", sa.String(60), nullable=True))
        batch.create_index("ix_auditoria_actor", ["actor"])


def downgrade() -> None:
    with op.batch_alter_table("auditoria") as batch:
        batch.drop_index("ix_auditoria_actor")
        batch.drop_column("actor")
    with op.batch_alter_table("canalizaciones") as batch:
        batch.drop_constraint("fk_canalizaciones_tomada_por_promotores", type_="foreignkey")
        batch.drop_column("tomada_en")
        batch.drop_column("tomada_por")
    with op.batch_alter_table("registros") as batch:
        batch.drop_index("ix_registros_nombre_busqueda")
        batch.drop_constraint("fk_registros_creado_por_promotores", type_="foreignkey")
        for col in ("nombre_busqueda", "creado_por", "origen", "consulado"):
            batch.drop_column(col)
    for table in (
        "embudo",
        "metricas_mensajes",
        "respuestas_canalizacion",
        "intentos_login",
        "sesiones_consola",
        "promotores",
    ):
        op.drop_table(table)
