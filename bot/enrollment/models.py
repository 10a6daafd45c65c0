"""ORM models. The schema itself is created only by the Alembic migrations in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()

ESTADO_PENDIENTE = "pendiente_de_pago"
ESTADO_ACTIVA = "activa"
ESTADO_ELIMINADO = "eliminado"
ESTADOS_ABIERTOS = (ESTADO_PENDIENTE, ESTADO_ACTIVA)
BORRADO = "[borrado]"


class Registro(Base):
    __tablename__ = "registros"

    id = Column(Integer, primary_key=True)
    folio = Column(String(20), nullable=False, unique=True)
    estado = Column(String(20), nullable=False)
    # Equal to ``curp`` while the registration is open, NULL once closed: the unique
    # constraint on it allows one open registration per CURP (NULLs never collide).
    open_curp = Column(String(18), unique=True, nullable=True)
    curp = Column(String(18), nullable=True)
    nombre = Column(String(200), nullable=True)
    email = Column(String(320), nullable=True)
    telefono = Column(String(20), nullable=True)
    pais_residencia = Column(String(80), nullable=True)
    ciudad_residencia = Column(String(120), nullable=True)
    ocupacion = Column(String(120), nullable=True)
    ingreso_mensual = Column(Numeric(14, 2), nullable=True)
    moneda = Column(String(3), nullable=True)
    tipo_cambio = Column(Numeric(12, 4), nullable=True)
    ingreso_mensual_mxn = Column(Numeric(14, 2), nullable=True)
    nss = Column(String(11), nullable=True)
    fecha_nacimiento = Column(Date, nullable=True)
    sexo = Column(String(1), nullable=True)
    estado_nacimiento = Column(String(2), nullable=True)
    aviso_privacidad_version = Column(String(40), nullable=True)
    consentimiento_en = Column(DateTime(timezone=True), nullable=True)
    anio_tarifa = Column(Integer, nullable=False)
    tabla_version = Column(String(20), nullable=False)
    monto_mensual = Column(Numeric(12, 2), nullable=False)
    linea_captura = Column(String(24), nullable=True)
    linea_monto = Column(Numeric(12, 2), nullable=True)
    linea_vence_en = Column(DateTime(timezone=True), nullable=True)
    creado_en = Column(DateTime(timezone=True), nullable=False)
    actualizado_en = Column(DateTime(timezone=True), nullable=False)
    activado_en = Column(DateTime(timezone=True), nullable=True)
    eliminado_en = Column(DateTime(timezone=True), nullable=True)


class Auditoria(Base):
    """Anonymised audit trail: folio, action and time only."""

    __tablename__ = "auditoria"

    id = Column(Integer, primary_key=True)
    folio = Column(String(20), nullable=False, index=True)
    accion = Column(String(40), nullable=False)
    en = Column(DateTime(timezone=True), nullable=False)


class Canalizacion(Base):
    __tablename__ = "canalizaciones"

    id = Column(Integer, primary_key=True)
    resumen = Column(Text, nullable=False)
    canal = Column(String(20), nullable=False)
    direccion_canal = Column(String(200), nullable=False)
    consulado = Column(String(120), nullable=True)
    estado = Column(String(10), nullable=False, index=True)
    respuesta = Column(Text, nullable=True)
    creada_en = Column(DateTime(timezone=True), nullable=False)
    cerrada_en = Column(DateTime(timezone=True), nullable=True)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # "<scope>:<key>" so the same key on two endpoints does not collide.
    key = Column(String(300), primary_key=True)
    request_hash = Column(String(64), nullable=False)
    status_code = Column(Integer, nullable=False)
    response_body = Column(Text, nullable=False)
    folio = Column(String(20), nullable=True, index=True)
    creado_en = Column(DateTime(timezone=True), nullable=False)
