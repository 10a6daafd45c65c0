"""The Mexican address the IMSS form asks for (clinic assignment): four nullable columns.

Erased with the registration like the other personal fields (operaciones.borrar).

Revision ID: 0009_domicilio_mx
Revises: 0008_contenido
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_domicilio_mx"
down_revision = "0008_contenido"
branch_labels = None
depends_on = None

COLUMNAS = (
    ("domicilio_estado", 40),
    ("domicilio_municipio", 120),
    ("domicilio_cp", 5),
    ("domicilio_colonia", 120),
)


def upgrade() -> None:
    with op.batch_alter_table("registros") as batch:
        for nombre, largo in COLUMNAS:
            batch.add_column(sa.Column(nombre, sa.String(length=largo), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registros") as batch:
        for nombre, _ in reversed(COLUMNAS):
            batch.drop_column(nombre)
