"""ORM models. The schema itself is created only by the Alembic migrations in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
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
BORRADO = "[borrado]"

# Who created a registration.
ORIGEN_ASISTENTE = "asistente"
ORIGEN_CONSOLA = "consola"

CANALIZACION_ABIERTA = "abierta"
CANALIZACION_TOMADA = "tomada"
CANALIZACION_CERRADA = "cerrada"

ROL_PROMOTOR = "promotor"
ROL_ADMIN = "admin"
ROLES = (ROL_PROMOTOR, ROL_ADMIN)


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
    # Nearest consulate to the city of residence (per-consulate statistics), or the promoter's.
    consulado = Column(String(120), nullable=True)
    origen = Column(String(20), nullable=True)
    creado_por = Column(Integer, ForeignKey("promotores.id"), nullable=True)
    # Lower-case name without accents, for the console's search by name (cleared on erasure).
    nombre_busqueda = Column(String(200), nullable=True, index=True)


class Auditoria(Base):
    """Audit trail without personal data: which record, what, when and who.

    ``folio`` is the record: a registration's folio, or ``CAN-<id>`` for a handoff ticket.
    ``actor`` is ``promotor:<id>`` for the console, NULL for the assistant and the API.
    """

    __tablename__ = "auditoria"

    id = Column(Integer, primary_key=True)
    folio = Column(String(20), nullable=False, index=True)
    accion = Column(String(40), nullable=False)
    en = Column(DateTime(timezone=True), nullable=False)
    actor = Column(String(60), nullable=True, index=True)


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
    tomada_por = Column(Integer, ForeignKey("promotores.id"), nullable=True)
    tomada_en = Column(DateTime(timezone=True), nullable=True)


class RespuestaCanalizacion(Base):
    """A promoter's reply to a ticket; delivered by Twilio or on the person's next message."""

    __tablename__ = "respuestas_canalizacion"

    id = Column(Integer, primary_key=True)
    canalizacion_id = Column(Integer, ForeignKey("canalizaciones.id"), nullable=False, index=True)
    promotor_id = Column(Integer, ForeignKey("promotores.id"), nullable=True)
    texto = Column(Text, nullable=False)
    creada_en = Column(DateTime(timezone=True), nullable=False)
    entregada_en = Column(DateTime(timezone=True), nullable=True)
    #: "twilio" (outbound message) or "siguiente_mensaje" (with the bot's next answer).
    entregada_via = Column(String(20), nullable=True)


class Promotor(Base):
    """A console account (Ventanilla de Salud promoter or admin). Created from the CLI."""

    __tablename__ = "promotores"

    id = Column(Integer, primary_key=True)
    usuario = Column(String(60), nullable=False, unique=True)
    nombre = Column(String(120), nullable=False)
    rol = Column(String(20), nullable=False)
    consulado = Column(String(120), nullable=True)
    password_hash = Column(String(255), nullable=False)
    activo = Column(Boolean, nullable=False, default=True)
    creado_en = Column(DateTime(timezone=True), nullable=False)
    ultimo_acceso_en = Column(DateTime(timezone=True), nullable=True)


class SesionConsola(Base):
    """Server-side console session: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "sesiones_consola"

    id = Column(String(64), primary_key=True)
    promotor_id = Column(Integer, ForeignKey("promotores.id"), nullable=False, index=True)
    csrf = Column(String(64), nullable=False)
    creada_en = Column(DateTime(timezone=True), nullable=False)
    expira_en = Column(DateTime(timezone=True), nullable=False)


class IntentoLogin(Base):
    """Failed console logins, by ``u:<usuario>`` and ``ip:<address>`` (rate limiting)."""

    __tablename__ = "intentos_login"

    id = Column(Integer, primary_key=True)
    clave = Column(String(200), nullable=False, index=True)
    en = Column(DateTime(timezone=True), nullable=False, index=True)


class MetricaMensaje(Base):
    """One user message, anonymised, for the console's statistics.

    ``conversacion`` is a hash of the conversation id; ``texto`` is kept only for messages the
    assistant could not answer, with CURP, e-mail, phone and numbers masked.
    """

    __tablename__ = "metricas_mensajes"

    id = Column(Integer, primary_key=True)
    en = Column(DateTime(timezone=True), nullable=False, index=True)
    canal = Column(String(20), nullable=False)
    conversacion = Column(String(32), nullable=False, index=True)
    intent = Column(String(80), nullable=True)
    confianza = Column(Float, nullable=True)
    fallback = Column(Boolean, nullable=False, default=False)
    texto = Column(String(300), nullable=True)


class EmbudoConversacion(Base):
    """Registration funnel per conversation: started, consulate, submitted (folio)."""

    __tablename__ = "embudo"

    conversacion = Column(String(32), primary_key=True)
    canal = Column(String(20), nullable=False)
    consulado = Column(String(120), nullable=True)
    iniciado_en = Column(DateTime(timezone=True), nullable=False)
    enviado_en = Column(DateTime(timezone=True), nullable=True)
    folio = Column(String(20), nullable=True)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # "<scope>:<key>" so the same key on two endpoints does not collide.
    key = Column(String(300), primary_key=True)
    request_hash = Column(String(64), nullable=False)
    status_code = Column(Integer, nullable=False)
    response_body = Column(Text, nullable=False)
    folio = Column(String(20), nullable=True, index=True)
    creado_en = Column(DateTime(timezone=True), nullable=False)
