"""The answers in the database: seed, proposals, review, publishing, rollback, flags, freshness.

The knowledge base (data/conocimiento, bot.conocimiento) is the seed: each entry becomes version 1
on first start (idempotent); an entry not in the database yet is served from the YAML. Texts are
rendered by bot.conocimiento (yearly values filled in), so the bot says exactly what the generated
``utter_faq/<id>`` says until someone edits it. The rules are bot.revision_contenido's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot import conocimiento as kb
from bot import revision_contenido as reglas
from bot import temas
from bot.tiempo import ahora_utc
from servicio.contenido.ajustes import AjustesContenido
from servicio.inscripcion import modelos as m

log = logging.getLogger("orienta.contenido")

V = m.VersionRespuesta
PREFIJO_CORTA = f"utter_{kb.INTENT}/"
PREFIJO_DETALLE = f"utter_{kb.INTENT}_detalle_"
MOTIVO_SEMILLA = "Versión inicial (data/conocimiento)"
MAX_MOTIVO = 300
ROLES_QUE_PUBLICAN = (m.ROL_EDITOR, m.ROL_ADMIN)


class ErrorContenido(ValueError):
    """A Spanish message for the console; ``problemas`` are the failed content rules."""

    def __init__(self, mensaje: str, problemas: list[str] | None = None):
        super().__init__(mensaje)
        self.mensaje, self.problemas = mensaje, problemas or []


@cache
def semilla() -> dict[str, kb.Entrada]:
    return dict(temas.entradas())


def _auditar(session: Session, registro: str, accion: str, actor: m.Promotor | None) -> None:
    session.add(
        m.Auditoria(
            folio=registro[:20],
            accion=accion,
            en=ahora_utc(),
            actor=f"promotor:{actor.id}" if actor else None,
        )
    )


# ------------------------------------------------------------------ seed
def _version_de(e: kb.Entrada, numero: int, estado: str, motivo: str) -> m.VersionRespuesta:
    return V(
        entrada=e.id, numero=numero, estado=estado, titulo=e.titulo, corta=e.corta,
        detalle=e.detalle, fuente=e.fuente, revisar_antes_de=e.revisar_antes_de,
        incierto=e.incierto, motivo=motivo, creada_en=ahora_utc(),
    )  # fmt: skip


def sembrar(session: Session) -> int:
    """Version 1 (published, no author) for every YAML entry the database lacks. Idempotent;
    two replicas seeding at once collide on (entrada, numero) and the loser just stops."""
    presentes = set(session.execute(select(V.entrada).distinct()).scalars())
    nuevas = [e for i, e in semilla().items() if i not in presentes]
    for e in nuevas:
        version = _version_de(e, 1, m.VERSION_PUBLICADA, MOTIVO_SEMILLA)
        version.publicada_en = version.creada_en
        session.add(version)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return len(nuevas)


def sembrar_al_iniciar(fabrica) -> None:
    """On the service's start: a missing table (migrations not run) is logged, never fatal."""
    try:
        with fabrica() as session:
            n = sembrar(session)
        if n:
            log.info("contenido: %d respuestas sembradas desde data/conocimiento", n)
    except (OperationalError, ProgrammingError) as error:
        log.warning("contenido: no se sembraron las respuestas (%s)", type(error).__name__)


# ------------------------------------------------------------------ reading
def publicada(session: Session, entrada: str) -> m.VersionRespuesta | None:
    return session.execute(
        select(V)
        .where(V.entrada == entrada, V.estado == m.VERSION_PUBLICADA)
        .order_by(V.publicada_en.desc(), V.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def publicadas(session: Session) -> dict[str, m.VersionRespuesta]:
    """The version in force of every entry that has one."""
    filas = session.execute(
        select(V).where(V.estado == m.VERSION_PUBLICADA).order_by(V.publicada_en, V.id)
    ).scalars()
    return {v.entrada: v for v in filas}


def como_entrada(v: m.VersionRespuesta) -> kb.Entrada:
    return cambio_de(v).aplicado_a(semilla()[v.entrada])


def cambio_de(v: m.VersionRespuesta) -> reglas.Cambio:
    return reglas.Cambio(v.titulo, v.corta, v.detalle, v.fuente, v.revisar_antes_de, v.incierto)


def entrada_vigente(session: Session, entrada: str) -> kb.Entrada | None:
    if entrada not in semilla():
        return None
    v = publicada(session, entrada)
    return como_entrada(v) if v else semilla()[entrada]


def version_contenido(session: Session, hoy: date) -> str:
    """Changes on every publish or rollback (the count of published versions only grows) and
    every day (the yearly values are filled in by date): the assistant's cache key."""
    n = session.execute(
        select(func.count()).select_from(V).where(V.estado == m.VERSION_PUBLICADA)
    ).scalar_one()
    return f"{n}-{hoy.isoformat()}"


def entrada_de_respuesta(nombre: str) -> tuple[str, bool] | None:
    """``utter_faq/<id>`` -> (id, False); ``utter_faq_detalle_<id>`` -> (id, True)."""
    for prefijo, detalle in ((PREFIJO_CORTA, False), (PREFIJO_DETALLE, True)):
        if nombre.startswith(prefijo) and nombre[len(prefijo) :] in semilla():
            return nombre[len(prefijo) :], detalle
    return None


def respuesta_nlg(session: Session, nombre: str, hoy: date) -> dict[str, Any] | None:
    """Rasa's NLG response for ``nombre``: the same text the generated response (or the "más"
    action) gives, from the published version. None: not an answer of the store."""
    clave = entrada_de_respuesta(nombre)
    if clave is None:
        return None
    e = entrada_vigente(session, clave[0])
    assert e is not None
    valores = kb.valores_del_anio(hoy)
    texto = kb.texto_detalle(e, valores) if clave[1] else kb.texto_corto(e, valores)
    return {"text": texto, "buttons": [], "image": None, "elements": [], "custom": {}}


def historial(session: Session, entrada: str) -> list[m.VersionRespuesta]:
    return list(
        session.execute(select(V).where(V.entrada == entrada).order_by(V.numero.desc())).scalars()
    )


def pendientes(session: Session) -> list[m.VersionRespuesta]:
    return list(
        session.execute(
            select(V).where(V.estado == m.VERSION_PROPUESTA).order_by(V.creada_en)
        ).scalars()
    )


# ------------------------------------------------------------------ review
def _fuentes() -> list[Path]:
    carpeta = AjustesContenido().fuentes_dir
    return reglas.fuentes(Path(carpeta)) if carpeta else reglas.fuentes()


def revisar(cambio: reglas.Cambio, entrada: str, hoy: date) -> reglas.Revision:
    e = cambio.aplicado_a(semilla()[entrada])
    de_fuentes = reglas.numeros_de_fuentes(_fuentes())
    return reglas.revisar_textos(e, kb.valores_del_anio(hoy), de_fuentes)


def _motivo(motivo: str) -> str:
    motivo = " ".join((motivo or "").split())
    if not motivo:
        raise ErrorContenido("Escribe por qué haces el cambio (se guarda en el historial).")
    return motivo[:MAX_MOTIVO]


def _siguiente_numero(session: Session, entrada: str) -> int:
    actual = session.execute(select(func.max(V.numero)).where(V.entrada == entrada)).scalar()
    return (actual or 0) + 1


def proponer(
    session: Session,
    autor: m.Promotor,
    entrada: str,
    cambio: reglas.Cambio,
    motivo: str,
    hoy: date,
    autopublicar: bool = False,
) -> m.VersionRespuesta:
    """A new proposal, only if it passes every rule. With ``autopublicar`` (one-person
    deployment, ORIENTA_CONTENIDO_AUTOPUBLICAR) an editor's or admin's proposal is published."""
    if entrada not in semilla():
        raise ErrorContenido("Esa respuesta no existe.")
    motivo = _motivo(motivo)
    revision = revisar(cambio, entrada, hoy)
    if not revision.aprobada:
        raise ErrorContenido("El cambio no cumple las reglas del contenido.", revision.problemas)
    base = cambio.aplicado_a(semilla()[entrada])
    version = _version_de(base, _siguiente_numero(session, entrada), m.VERSION_PROPUESTA, motivo)
    version.autor_id = autor.id
    session.add(version)
    session.flush()
    _auditar(session, f"VER-{version.id}", "contenido_propuesto", autor)
    if autopublicar and autor.rol in ROLES_QUE_PUBLICAN:
        _publicar(session, autor, version, hoy, autopublicar=True)
    session.commit()
    return version


def _exigir_editor(quien: m.Promotor) -> None:
    if quien.rol not in ROLES_QUE_PUBLICAN:
        raise ErrorContenido("Solo una cuenta de edición o de administración puede publicar.")


def _propuesta(session: Session, version_id: int) -> m.VersionRespuesta:
    version = session.get(V, version_id)
    if version is None or version.estado != m.VERSION_PROPUESTA:
        raise ErrorContenido("Ese cambio ya no está pendiente de revisión.")
    return version


def _publicar(
    session: Session, editor: m.Promotor, version: m.VersionRespuesta, hoy: date, autopublicar
) -> None:
    _exigir_editor(editor)
    if version.autor_id == editor.id and not autopublicar:
        raise ErrorContenido("Nadie publica su propio cambio: pide a otra persona que lo revise.")
    revision = revisar(cambio_de(version), version.entrada, hoy)
    if not revision.aprobada:
        raise ErrorContenido("El cambio ya no cumple las reglas del contenido.", revision.problemas)
    ahora = ahora_utc()
    version.estado, version.revisada_por = m.VERSION_PUBLICADA, editor.id
    version.revisada_en = version.publicada_en = ahora
    _auditar(session, f"VER-{version.id}", "contenido_publicado", editor)


def publicar(
    session: Session, editor: m.Promotor, version_id: int, hoy: date, autopublicar: bool = False
) -> m.VersionRespuesta:
    version = _propuesta(session, version_id)
    _publicar(session, editor, version, hoy, autopublicar)
    session.commit()
    return version


def rechazar(session: Session, editor: m.Promotor, version_id: int) -> m.VersionRespuesta:
    _exigir_editor(editor)
    version = _propuesta(session, version_id)
    version.estado, version.revisada_por = m.VERSION_RECHAZADA, editor.id
    version.revisada_en = ahora_utc()
    _auditar(session, f"VER-{version.id}", "contenido_rechazado", editor)
    session.commit()
    return version


def revertir(
    session: Session, editor: m.Promotor, version_id: int, motivo: str, hoy: date
) -> m.VersionRespuesta:
    """Publish again a version that was published once, as a new version (the history keeps
    everything). Only editors and admins; the rules are checked again."""
    _exigir_editor(editor)
    vieja = session.get(V, version_id)
    if vieja is None or vieja.publicada_en is None:
        raise ErrorContenido("Solo se puede volver a una versión que estuvo publicada.")
    motivo = _motivo(motivo)
    revision = revisar(cambio_de(vieja), vieja.entrada, hoy)
    if not revision.aprobada:
        raise ErrorContenido(
            "Esa versión ya no cumple las reglas del contenido.", revision.problemas
        )
    nueva = _version_de(
        como_entrada(vieja), _siguiente_numero(session, vieja.entrada), m.VERSION_PUBLICADA, motivo
    )
    ahora = ahora_utc()
    nueva.autor_id = nueva.revisada_por = editor.id
    nueva.revisada_en = nueva.publicada_en = ahora
    nueva.restaura = vieja.id
    session.add(nueva)
    session.flush()
    _auditar(session, f"VER-{nueva.id}", "contenido_revertido", editor)
    session.commit()
    return nueva


# ------------------------------------------------------------------ flags
def marcar(session: Session, promotor: m.Promotor, entrada: str, motivo: str) -> m.MarcaRespuesta:
    if entrada not in semilla():
        raise ErrorContenido("No sabemos qué respuesta marcar.")
    marca = m.MarcaRespuesta(
        entrada=entrada, motivo=_motivo(motivo), promotor_id=promotor.id, creada_en=ahora_utc()
    )
    session.add(marca)
    session.flush()
    _auditar(session, f"MAR-{marca.id}", "respuesta_marcada", promotor)
    session.commit()
    return marca


def atender_marca(session: Session, editor: m.Promotor, marca_id: int) -> None:
    _exigir_editor(editor)
    marca = session.get(m.MarcaRespuesta, marca_id)
    if marca is None or marca.atendida_en is not None:
        raise ErrorContenido("Esa marca ya fue atendida.")
    marca.atendida_en = ahora_utc()
    _auditar(session, f"MAR-{marca.id}", "marca_atendida", editor)
    session.commit()


def marcas_abiertas(session: Session) -> list[m.MarcaRespuesta]:
    return list(
        session.execute(
            select(m.MarcaRespuesta)
            .where(m.MarcaRespuesta.atendida_en.is_(None))
            .order_by(m.MarcaRespuesta.creada_en)
        ).scalars()
    )


def _normal(texto: str) -> str:
    return " ".join(texto.split())


def entrada_de_texto(session: Session, texto: str, hoy: date) -> str | None:
    """The entry whose published short or detailed answer is ``texto`` (what Preguntar shows),
    so a promoter can flag the answer they just saw."""
    buscado = _normal(texto)
    valores = kb.valores_del_anio(hoy)
    for entrada in semilla():
        e = entrada_vigente(session, entrada)
        assert e is not None
        if buscado in (_normal(kb.texto_corto(e, valores)), _normal(kb.texto_detalle(e, valores))):
            return entrada
    return None


# ------------------------------------------------------------------ freshness
_FECHA = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_ANIO = re.compile(r"\b(19\d{2}|20\d{2})\b")


def fecha_de_fuente(fuente: str) -> date | None:
    """The newest date a source line names (a bare year counts as its 31 December)."""
    fechas = []
    for d, mes, a in _FECHA.findall(fuente):
        try:
            fechas.append(date(int(a), int(mes), int(d)))
        except ValueError:
            continue
    if not fechas:
        fechas = [date(int(a), 12, 31) for a in _ANIO.findall(fuente)]
    return max(fechas) if fechas else None


@dataclass(frozen=True)
class Pendiente:
    entrada: str
    titulo: str
    motivo: str


def por_revisar(session: Session, hoy: date, max_dias_fuente: int) -> list[Pendiente]:
    """Answers past their "revisar antes de" date, or whose source is older than the setting
    (or names no date)."""
    limite = hoy - timedelta(days=max_dias_fuente)
    lista = []
    for entrada in semilla():
        e = entrada_vigente(session, entrada)
        assert e is not None
        if e.revisar_antes_de < hoy:
            lista.append(
                Pendiente(entrada, e.titulo, f"revisar antes de {e.revisar_antes_de:%d/%m/%Y}")
            )
            continue
        fecha = fecha_de_fuente(e.fuente)
        if fecha is None:
            lista.append(Pendiente(entrada, e.titulo, "la fuente no tiene fecha"))
        elif fecha < limite:
            lista.append(
                Pendiente(
                    entrada,
                    e.titulo,
                    f"fuente del {fecha:%d/%m/%Y}, de más de {max_dias_fuente} días",
                )
            )
    return lista


def ultima_fecha(valor: datetime | None) -> str:
    return valor.strftime("%d/%m/%Y") if valor else "—"
