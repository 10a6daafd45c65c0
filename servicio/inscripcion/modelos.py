"""ORM models. The schema itself is created only by the Alembic migrations in ``migrations/``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot import canalizacion, caso


class Base(DeclarativeBase):
    pass


# The case's states and their transitions live in bot/caso.py (one table for all).
ESTADO_RECIBIDA = caso.RECIBIDA
ESTADO_ELIMINADO = caso.ELIMINADO
#: The promoter recorded the person's payment (statistics' "pagados").
ESTADOS_PAGADOS = (caso.PAGADA, caso.CLINICA_ASIGNADA)
BORRADO = "[borrado]"

# Who created a registration.
ORIGEN_ASISTENTE = "asistente"
ORIGEN_CONSOLA = "consola"

CANALIZACION_ABIERTA = "abierta"
CANALIZACION_TOMADA = "tomada"
CANALIZACION_CERRADA = "cerrada"

# Where a ticket comes from: only "real" ones are counted and queued by default.
# The values come from the rule the assistant uses (bot.canalizacion); "bench" only from the API.
ORIGEN_REAL = canalizacion.ORIGEN_REAL
ORIGEN_PRUEBA = canalizacion.ORIGEN_PRUEBA
ORIGEN_BENCH = "bench"
ORIGEN_CONSOLA_PREGUNTAR = canalizacion.ORIGEN_CONSOLA
ORIGENES_CASO = (ORIGEN_REAL, ORIGEN_PRUEBA, ORIGEN_BENCH, ORIGEN_CONSOLA_PREGUNTAR)

# Who wrote a message of a ticket's thread (``MensajeCaso.autor``).
AUTOR_PERSONA = "persona"
AUTOR_ASISTENTE = "asistente"
AUTOR_PROMOTOR = "promotor"
AUTOR_NOTA = "nota"  # private note of the team: never sent
AUTOR_SISTEMA = "sistema"  # events (taken, assigned, closed) and notices sent to the person
AUTORES = (AUTOR_PERSONA, AUTOR_ASISTENTE, AUTOR_PROMOTOR, AUTOR_NOTA, AUTOR_SISTEMA)

# Delivery of a message meant for the person; NULL for the rest (never sent).
ENTREGA_PENDIENTE = "pendiente"
ENTREGA_ENTREGADA = "entregada"
ENTREGA_FALLIDA = "fallida"  # a send failed (reason in ``fallo``); the next message may carry it

ROL_PROMOTOR = "promotor"
ROL_ADMIN = "admin"
#: Reviews and publishes the answers promoters propose (servicio/contenido).
ROL_EDITOR = "editor"
ROLES = (ROL_PROMOTOR, ROL_ADMIN, ROL_EDITOR)


class Registro(Base):
    __tablename__ = "registros"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folio: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    estado: Mapped[str] = mapped_column(String(20), nullable=False)
    # Equal to ``curp`` while the registration is open, NULL once closed: the unique
    # constraint on it allows one open registration per CURP (NULLs never collide).
    open_curp: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    curp: Mapped[str | None] = mapped_column(String(18), nullable=True)
    nombre: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    telefono: Mapped[str | None] = mapped_column(String(20), nullable=True)
    pais_residencia: Mapped[str | None] = mapped_column(String(80), nullable=True)
    ciudad_residencia: Mapped[str | None] = mapped_column(String(120), nullable=True)
    ocupacion: Mapped[str | None] = mapped_column(String(120), nullable=True)
    ingreso_mensual: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    moneda: Mapped[str | None] = mapped_column(String(3), nullable=True)
    tipo_cambio: Mapped[Decimal | None] = mapped_column(Numeric(12, 4), nullable=True)
    ingreso_mensual_mxn: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    nss: Mapped[str | None] = mapped_column(String(11), nullable=True)
    # Mexican address for the IMSS clinic (migration 0009); erased with the registration.
    domicilio_estado: Mapped[str | None] = mapped_column(String(40), nullable=True)
    domicilio_municipio: Mapped[str | None] = mapped_column(String(120), nullable=True)
    domicilio_cp: Mapped[str | None] = mapped_column(String(5), nullable=True)
    domicilio_colonia: Mapped[str | None] = mapped_column(String(120), nullable=True)
    fecha_nacimiento: Mapped[date | None] = mapped_column(Date, nullable=True)
    sexo: Mapped[str | None] = mapped_column(String(1), nullable=True)
    estado_nacimiento: Mapped[str | None] = mapped_column(String(2), nullable=True)
    aviso_privacidad_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    consentimiento_en: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    anio_tarifa: Mapped[int] = mapped_column(Integer, nullable=False)
    tabla_version: Mapped[str] = mapped_column(String(20), nullable=False)
    # The estimated fee reveals the declared income: erased with the registration (NULL).
    monto_mensual: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    # What IMSS issued, copied by the promoter on the move to ``hecha_en_imss`` (bot/caso.py):
    # never generated or filled by code. ``linea_registrada_en``: when it was recorded.
    linea_captura: Mapped[str | None] = mapped_column(String(24), nullable=True)
    linea_monto: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    linea_vence_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    linea_registrada_en: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    #: Why the promoter closed the case (``cerrada``); cleared on erasure.
    motivo_cierre: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: The person agreed to a monthly payment reminder (and has not opted out since).
    recordatorios: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: The assistant's channel and address of the conversation that sent it ("rest" + sender
    #: id, "whatsapp" + number…): where notices go when Twilio cannot reach the person.
    canal: Mapped[str | None] = mapped_column(String(20), nullable=True)
    direccion_canal: Mapped[str | None] = mapped_column(String(200), nullable=True)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actualizado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    activado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    eliminado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Nearest consulate to the city of residence (per-consulate statistics), or the promoter's.
    consulado: Mapped[str | None] = mapped_column(String(120), nullable=True)
    origen: Mapped[str | None] = mapped_column(String(20), nullable=True)
    creado_por: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=True
    )
    # Lower-case name without accents, for the console's search by name (cleared on erasure).
    nombre_busqueda: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)


class Aviso(Base):
    """A notice for the person (a state change, a reminder) waiting for their next message.

    Sent at once by Twilio when it can be (``entregado_via = "twilio"``); otherwise shown with
    the assistant's next answer on the registration's channel and address
    (``POST /v1/avisos/entregas``), claimed with ``UPDATE … WHERE entregado_en IS NULL``.
    Deleted with the registration's personal data (ARCO).
    """

    __tablename__ = "avisos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registro_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("registros.id"), nullable=False, index=True
    )
    canal: Mapped[str | None] = mapped_column(String(20), nullable=True)
    direccion: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    texto: Mapped[str] = mapped_column(Text, nullable=False)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    entregado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    entregado_via: Mapped[str | None] = mapped_column(String(20), nullable=True)


class RecordatorioMes(Base):
    """One payment reminder per registration and month: the row is claimed (inserted) before
    sending, so a second run or a second replica loses on the unique constraint."""

    __tablename__ = "recordatorios_mes"
    __table_args__ = (UniqueConstraint("registro_id", "mes", name="uq_recordatorio_mes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registro_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("registros.id"), nullable=False, index=True
    )
    mes: Mapped[str] = mapped_column(String(7), nullable=False)
    #: "whatsapp", "plantilla", "sms" or "web" (pending notice); "fallido" if nothing worked.
    via: Mapped[str] = mapped_column(String(20), nullable=False)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Auditoria(Base):
    """Audit trail without personal data: which record, what, when and who.

    ``folio`` is the record: a registration's folio, or ``CAN-<id>`` for a handoff ticket.
    ``actor`` is ``promotor:<id>`` for the console, NULL for the assistant and the API.
    """

    __tablename__ = "auditoria"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folio: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    accion: Mapped[str] = mapped_column(String(40), nullable=False)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)


class Canalizacion(Base):
    __tablename__ = "canalizaciones"
    __table_args__ = (Index("ix_canalizaciones_canal_direccion", "canal", "direccion_canal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resumen: Mapped[str] = mapped_column(Text, nullable=False)
    canal: Mapped[str] = mapped_column(String(20), nullable=False)
    direccion_canal: Mapped[str] = mapped_column(String(200), nullable=False)
    consulado: Mapped[str | None] = mapped_column(String(120), nullable=True)
    estado: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    respuesta: Mapped[str | None] = mapped_column(Text, nullable=True)
    creada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    cerrada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    tomada_por: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=True
    )
    tomada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The promoter's reason, "la persona volvió al asistente", "sin respuesta fuera de horario"…
    motivo_cierre: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: ORIGENES_CASO; tests, benchmarks and the console's Preguntar are left out by default.
    origen: Mapped[str] = mapped_column(
        String(10), nullable=False, default=ORIGEN_REAL, server_default=text("'real'")
    )
    # The person's registration, when one matches the ticket's number (console link).
    folio: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Last message of the person in the thread (waiting time, unread, timeouts).
    actividad_persona_en: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # Id of the newest thread message the holder has seen: the person's later ones are unread.
    leida_hasta: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RespuestaCanalizacion(Base):
    """One message of a ticket's thread (the table's name is from when it held replies only).

    ``autor`` (AUTORES): the conversation before the handoff (persona/asistente), the person's
    messages during it, the promoters' replies, private notes and system events. Messages for
    the person (replies, closing notices) carry ``estado_entrega``; the rest leave it NULL and
    are never delivered. ``id_externo`` (the channel's message id) is unique per ticket: a
    redelivered webhook never adds a message twice.
    """

    __tablename__ = "respuestas_canalizacion"
    __table_args__ = (
        UniqueConstraint("canalizacion_id", "id_externo", name="uq_mensaje_caso_id_externo"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canalizacion_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("canalizaciones.id"), nullable=False, index=True
    )
    promotor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=True
    )
    texto: Mapped[str] = mapped_column(Text, nullable=False)
    creada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    entregada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: "twilio", "socketio" (the web chat's room) or "siguiente_mensaje" (with the bot's next
    #: answer).
    entregada_via: Mapped[str | None] = mapped_column(String(20), nullable=True)
    autor: Mapped[str] = mapped_column(
        String(10), nullable=False, default=AUTOR_PROMOTOR, server_default=text("'promotor'")
    )
    id_externo: Mapped[str | None] = mapped_column(String(100), nullable=True)
    estado_entrega: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # Why the last send failed (a Twilio error code, "fuera de la ventana de 24 h"…): no text.
    fallo: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Promotor(Base):
    """A console account (Ventanilla de Salud promoter or admin). Created from the CLI."""

    __tablename__ = "promotores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    usuario: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    nombre: Mapped[str] = mapped_column(String(120), nullable=False)
    rol: Mapped[str] = mapped_column(String(20), nullable=False)
    consulado: Mapped[str | None] = mapped_column(String(120), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    activo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ultimo_acceso_en: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class SesionConsola(Base):
    """Server-side console session: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "sesiones_consola"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    promotor_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=False, index=True
    )
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)
    creada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expira_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class IntentoLogin(Base):
    """Failed console logins, by ``u:<usuario>`` and ``ip:<address>`` (rate limiting)."""

    __tablename__ = "intentos_login"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clave: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


class MetricaMensaje(Base):
    """One user message, anonymised, for the console's statistics.

    ``conversacion`` is a hash of the conversation id; ``texto`` is kept only for messages the
    assistant could not answer, with CURP, e-mail, phone and numbers masked.
    """

    __tablename__ = "metricas_mensajes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    canal: Mapped[str] = mapped_column(String(20), nullable=False)
    conversacion: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    confianza: Mapped[float | None] = mapped_column(Float, nullable=True)
    fallback: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    texto: Mapped[str | None] = mapped_column(String(300), nullable=True)


class EmbudoConversacion(Base):
    """Registration funnel per conversation: started, consulate, submitted (folio)."""

    __tablename__ = "embudo"

    conversacion: Mapped[str] = mapped_column(String(32), primary_key=True)
    canal: Mapped[str] = mapped_column(String(20), nullable=False)
    consulado: Mapped[str | None] = mapped_column(String(120), nullable=True)
    iniciado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    enviado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    folio: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ContactoFirmado(Base):
    """The last message a phone number sent us in a request signed by Twilio, per medium.

    The only proof we have that a number belongs to someone who writes to us: the console sends
    SMS/WhatsApp only to numbers found here (WhatsApp: within its 24-hour window), never to a
    number someone typed. Rows older than ``contactos.RETENCION`` are deleted.
    """

    __tablename__ = "contactos_firmados"

    #: "whatsapp" or "telefono" (SMS), the spelling tickets store.
    medio: Mapped[str] = mapped_column(String(10), primary_key=True)
    telefono: Mapped[str] = mapped_column(String(20), primary_key=True)
    ultimo_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


class PreguntaAtendida(Base):
    """An unanswered question of the statistics a promoter marked as handled (by its grouping
    key, ``estadisticas.clave_texto``: masked text, no personal data)."""

    __tablename__ = "preguntas_atendidas"

    clave: Mapped[str] = mapped_column(String(300), primary_key=True)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(60), nullable=True)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # "<scope>:<key>" so the same key on two endpoints does not collide.
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str] = mapped_column(Text, nullable=False)
    folio: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CodigoVerificacion(Base):
    """A one-time code sent to the phone on file: proof of ownership for status and erasure.

    Only an HMAC of the code is stored (``verificacion.py``); it lives 10 minutes and is used once.
    ``proposito`` is "consulta" or "borrado": a code asked to check the status cannot erase.
    """

    __tablename__ = "codigos_verificacion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folio: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    proposito: Mapped[str] = mapped_column(String(10), nullable=False)
    codigo_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expira_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    usado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class IntentoVerificacion(Base):
    """Failed ownership checks and codes sent, for the locks (``verificacion.py``).

    ``clave`` is ``fallo:folio:<folio>``, ``fallo:conv:<hmac of the conversation id>`` or
    ``envio:folio:<folio>``: never a CURP, phone or a conversation id in clear.
    """

    __tablename__ = "intentos_verificacion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clave: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


# ------------------------------------------------------------------ editable answers (issue 18)
VERSION_PROPUESTA = "propuesta"
VERSION_PUBLICADA = "publicada"
VERSION_RECHAZADA = "rechazada"


class VersionRespuesta(Base):
    """One version of a knowledge-base answer (servicio/contenido): the seed from
    data/conocimiento is version 1 (no author); promoters propose, an editor publishes.

    The answer in force is the entry's published version with the latest ``publicada_en``; a
    rollback is a new version that copies an old one. Rows are never edited but for review.
    """

    __tablename__ = "versiones_respuesta"
    __table_args__ = (UniqueConstraint("entrada", "numero", name="uq_version_entrada_numero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entrada: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    numero: Mapped[int] = mapped_column(Integer, nullable=False)
    estado: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    titulo: Mapped[str] = mapped_column(String(40), nullable=False)
    corta: Mapped[str] = mapped_column(Text, nullable=False)
    detalle: Mapped[str] = mapped_column(Text, nullable=False)
    fuente: Mapped[str] = mapped_column(String(300), nullable=False)
    revisar_antes_de: Mapped[date] = mapped_column(Date, nullable=False)
    incierto: Mapped[bool] = mapped_column(Boolean, nullable=False)
    #: Why the change (shown in the history); the seed says so.
    motivo: Mapped[str] = mapped_column(String(300), nullable=False)
    autor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=True
    )
    creada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revisada_por: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=True
    )
    revisada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    publicada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The version this one restores (rollback), if any.
    restaura: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MarcaRespuesta(Base):
    """A promoter's "esta respuesta está mal", from Preguntar or a case, until an editor
    attends it. ``motivo`` is the promoter's words (no personal data asked for)."""

    __tablename__ = "marcas_respuesta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entrada: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    motivo: Mapped[str] = mapped_column(String(300), nullable=False)
    promotor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("promotores.id"), nullable=True
    )
    creada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    atendida_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
