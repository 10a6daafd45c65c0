"""``/consola/contenido``: edit, review and keep fresh the assistant's answers.

Promoters propose; an editor or admin publishes (never their own change, unless
ORIENTA_CONTENIDO_AUTOPUBLICAR). Each change is checked with bot.revision_contenido before it is
saved and again before it is published; the preview shows it as WhatsApp, SMS and web chat, and
a diff against the published version. Installed by servicio.consola.rutas.instalar.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request

from bot import conocimiento as kb
from bot import revision_contenido as reglas
from bot.mensajes import MEDIO_SMS, MEDIO_WHATSAPP, formatear_turno, segmentos_sms
from bot.tiempo import ahora_utc, dia_en_mexico
from servicio.consola import auditoria, rutas
from servicio.consola.rutas import RUTA, CsrfDep, Prohibido, SesionDep, _html, _redirigir
from servicio.contenido import almacen, frescura
from servicio.contenido.ajustes import AjustesContenido
from servicio.inscripcion.api import SessionDep

BASE = f"{RUTA}/contenido"
router = APIRouter(prefix=BASE, include_in_schema=False)


def _hoy() -> date:
    return dia_en_mexico(ahora_utc())


def _ajustes(request: Request) -> AjustesContenido:
    return request.app.state.contenido_settings


def _puede_publicar(sesion) -> bool:
    return sesion.promotor.rol in almacen.ROLES_QUE_PUBLICAN


@dataclass(frozen=True)
class Vista:
    """One text as each channel shows it."""

    whatsapp: list[str]
    sms: list[tuple[str, int]]  # body, segments
    web: str


def vista_previa(texto: str) -> Vista:
    mensaje = [{"text": texto}]
    whatsapp = formatear_turno(mensaje, MEDIO_WHATSAPP).cuerpos
    sms = formatear_turno(mensaje, MEDIO_SMS).cuerpos
    return Vista(whatsapp, [(c, segmentos_sms(c)) for c in sms], texto)


def diferencias(antes: str, despues: str) -> list[tuple[str, str]]:
    """Line diff as (kind, line): kind is "+", "-" or " "; the template escapes the lines."""
    filas = []
    for linea in difflib.ndiff(antes.splitlines(), despues.splitlines()):
        if linea.startswith("? "):
            continue
        filas.append((linea[0], linea[2:]))
    return filas


def _cambio_de_form(
    titulo: str, corta: str, detalle: str, fuente: str, revisar_antes_de: str, incierto: str
) -> reglas.Cambio:
    try:
        fecha = date.fromisoformat(revisar_antes_de.strip())
    except ValueError:
        raise almacen.ErrorContenido(
            "La fecha «revisar antes de» debe ser AAAA-MM-DD, p. ej. 2027-06-30."
        ) from None
    return reglas.Cambio(
        titulo[:40], corta[:2000], detalle[:6000], fuente[:300], fecha, incierto == "si"
    )


def _contexto_entrada(session, entrada: str, cambio: reglas.Cambio | None) -> dict[str, Any]:
    vigente = almacen.entrada_vigente(session, entrada)
    if vigente is None:
        raise Prohibido("Esa respuesta no existe.", 404)
    valores = kb.valores_del_anio(_hoy())
    cambio = cambio or reglas.Cambio.de_entrada(vigente)
    editada = cambio.aplicado_a(vigente)
    revision = almacen.revisar(cambio, entrada, _hoy())
    try:
        corta, detalle = kb.texto_corto(editada, valores), kb.texto_detalle(editada, valores)
    except (KeyError, ValueError, IndexError):
        corta = detalle = ""
    publicada_corta = kb.texto_corto(vigente, valores)
    publicada_detalle = kb.texto_detalle(vigente, valores)
    return {
        "entrada": vigente,
        "cambio": cambio,
        "revision": revision,
        "vista_corta": vista_previa(corta) if corta else None,
        "vista_detalle": vista_previa(detalle) if detalle else None,
        "diff_corta": diferencias(publicada_corta, corta),
        "diff_detalle": diferencias(publicada_detalle, detalle),
        "historial": almacen.historial(session, entrada),
        "marcas": [x for x in almacen.marcas_abiertas(session) if x.entrada == entrada],
        "valores": kb.VALORES,
    }


@router.get("")
def lista(*, request: Request, sesion: SesionDep, session: SessionDep):
    vigentes = almacen.publicadas(session)
    entradas = [(e, vigentes.get(i)) for i, e in almacen.semilla().items()]
    return _html(
        request,
        "contenido.html",
        entradas=entradas,
        pendientes=almacen.pendientes(session),
        puede_publicar=_puede_publicar(sesion),
    )


@router.get("/frescura")
def frescura_pagina(*, request: Request, sesion: SesionDep, session: SessionDep):
    hoy = _hoy()
    return _html(
        request,
        "contenido_frescura.html",
        por_revisar=almacen.por_revisar(session, hoy, _ajustes(request).max_dias_fuente),
        max_dias=_ajustes(request).max_dias_fuente,
        marcas=almacen.marcas_abiertas(session),
        titulos={i: e.titulo for i, e in almacen.semilla().items()},
        faltantes=frescura.valores_faltantes(hoy),
        valores_anuales=frescura.valores_anuales(),
        usos=frescura.uso_por_respuesta(session, hoy),
        puede_publicar=_puede_publicar(sesion),
    )


@router.get("/respuestas/{entrada}")
def entrada_pagina(*, request: Request, entrada: str, sesion: SesionDep, session: SessionDep):
    return _html(
        request,
        "contenido_entrada.html",
        error=None,
        problemas=[],
        puede_publicar=_puede_publicar(sesion),
        **_contexto_entrada(session, entrada[:40], None),
    )


@router.post("/respuestas/{entrada}")
def proponer(
    *,
    request: Request,
    entrada: str,
    titulo: str = Form(""),
    corta: str = Form(""),
    detalle: str = Form(""),
    fuente: str = Form(""),
    revisar_antes_de: str = Form(""),
    incierto: str = Form("no"),
    motivo: str = Form(""),
    accion: str = Form("vista"),
    sesion: CsrfDep,
    session: SessionDep,
):
    """``accion=vista``: preview and checks only; ``accion=proponer``: save the proposal."""
    entrada = entrada[:40]
    error, problemas, cambio = None, [], None
    try:
        cambio = _cambio_de_form(titulo, corta, detalle, fuente, revisar_antes_de, incierto)
        if accion == "proponer":
            almacen.proponer(
                session,
                sesion.promotor,
                entrada,
                cambio,
                motivo,
                _hoy(),
                autopublicar=_ajustes(request).autopublicar,
            )
            return _redirigir(f"{BASE}/respuestas/{entrada}?aviso=propuesta")
    except almacen.ErrorContenido as e:
        error, problemas = e.mensaje, e.problemas
    return _html(
        request,
        "contenido_entrada.html",
        status=422 if error else 200,
        error=error,
        problemas=problemas,
        puede_publicar=_puede_publicar(sesion),
        **_contexto_entrada(session, entrada, cambio),
    )


def _accion(request: Request, session, fn, *args) -> Any:
    """Every rule is checked before anything is written: nothing to roll back on a refusal
    (a rollback would also expire the console's session account the error page shows)."""
    try:
        return fn(session, *args)
    except almacen.ErrorContenido as e:
        detalle = (": " + "; ".join(e.problemas)) if e.problemas else ""
        raise Prohibido(e.mensaje + detalle, 409) from None


@router.post("/versiones/{version_id}/publicar")
def publicar(*, request: Request, version_id: int, sesion: CsrfDep, session: SessionDep):
    v = _accion(
        request,
        session,
        almacen.publicar,
        sesion.promotor,
        version_id,
        _hoy(),
        _ajustes(request).autopublicar,
    )
    return _redirigir(f"{BASE}/respuestas/{v.entrada}?aviso=publicada")


@router.post("/versiones/{version_id}/rechazar")
def rechazar(*, request: Request, version_id: int, sesion: CsrfDep, session: SessionDep):
    v = _accion(request, session, almacen.rechazar, sesion.promotor, version_id)
    return _redirigir(f"{BASE}/respuestas/{v.entrada}?aviso=rechazada")


@router.post("/versiones/{version_id}/revertir")
def revertir(
    *,
    request: Request,
    version_id: int,
    motivo: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    v = _accion(request, session, almacen.revertir, sesion.promotor, version_id, motivo, _hoy())
    return _redirigir(f"{BASE}/respuestas/{v.entrada}?aviso=revertida")


@router.post("/marcar")
def marcar(
    *,
    request: Request,
    textos: Annotated[list[str] | None, Form()] = None,
    entrada: str = Form(""),
    motivo: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    """ "Esta respuesta está mal", from Preguntar (the answer's text) or a case (the entry)."""
    clave = entrada[:40] or next(
        (
            e
            for t in (textos or [])[:10]
            if (e := almacen.entrada_de_texto(session, t[:4000], _hoy()))
        ),
        None,
    )
    if not clave:
        raise Prohibido(
            "Esa respuesta no es de la base de conocimiento: descríbela a tu coordinación.", 422
        )
    _accion(request, session, almacen.marcar, sesion.promotor, clave, motivo)
    return _redirigir(f"{RUTA}/preguntar?aviso=marcada")


@router.post("/marcas/{marca_id}/atender")
def atender(*, request: Request, marca_id: int, sesion: CsrfDep, session: SessionDep):
    _accion(request, session, almacen.atender_marca, sesion.promotor, marca_id)
    return _redirigir(f"{BASE}/frescura?aviso=atendida")


AVISOS = {
    "propuesta": "Cambio guardado. Una persona editora debe revisarlo y publicarlo.",
    "publicada": "Publicada: el asistente la usa desde ahora, sin reiniciar.",
    "rechazada": "Cambio rechazado.",
    "revertida": "Versión anterior publicada de nuevo (como una versión nueva).",
    "marcada": "Gracias: la respuesta quedó marcada para revisión.",
    "atendida": "Marca atendida.",
}


#: The audit page's words for this package's rows (records ``VER-<version>``, ``MAR-<flag>``).
ETIQUETAS_AUDITORIA = {
    "contenido_propuesto": "propuso un cambio de respuesta",
    "contenido_publicado": "publicó un cambio de respuesta",
    "contenido_rechazado": "rechazó un cambio de respuesta",
    "contenido_revertido": "volvió a una versión anterior de una respuesta",
    "respuesta_marcada": "marcó una respuesta como incorrecta",
    "marca_atendida": "atendió una marca de respuesta",
}


def instalar(app, settings: AjustesContenido | None = None) -> None:
    app.state.contenido_settings = settings or AjustesContenido()
    rutas.AVISOS.update(AVISOS)
    auditoria.ETIQUETAS.update(ETIQUETAS_AUDITORIA)
    app.include_router(router)
