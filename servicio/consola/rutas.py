"""``/consola``: the promoters' web console (FastAPI + Jinja2, server-rendered, no build step).

Thin routes: the rules live in servicio.consola.* and servicio.inscripcion.*. Every POST carries the
session's CSRF token; every page with personal data is written to the audit trail first.
"""

# isort: split
import functools
import logging
import math
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import canales, caso, conocimiento, lectura
from bot.lectura import AVISO_PRIVACIDAD_VERSION
from bot.tiempo import ZONA_MX, ahora_utc, dia_en_mexico, en_utc
from servicio import twilio_salida
from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import casos
from servicio.inscripcion import modelos as m
from servicio.inscripcion import operaciones as svc
from servicio.inscripcion.api import SessionDep

from . import auditoria, estadisticas, graficas, preguntar, registros, seguridad
from .alcance import Alcance

log = logging.getLogger("orienta.consola")

HERE = Path(__file__).resolve().parent
COOKIE = "orienta_consola"
COOKIE_PRE = "orienta_consola_pre"  # login form's CSRF (double submit) before a session exists
RUTA = "/consola"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
CABECERAS = {
    "Content-Security-Policy": CSP,
    # Pages carry personal data: never cached, never framed, no referrer to other sites.
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# Fixed notices shown after a redirect (?aviso=...): user text never travels in a URL.
AVISOS = {
    "tomada": "Tomaste la canalización.",
    "respondida": "Respuesta guardada.",
    "entregada": "Respuesta enviada por Twilio a la persona.",
    "pendiente": "La persona la recibirá con la próxima respuesta del asistente (cuando escriba).",
    "cerrada": "Caso cerrado. A la persona le avisamos que puede volver a escribir PROMOTOR.",
    "nota": "Nota guardada (solo la ve el equipo).",
    "atendida": "Pregunta marcada como atendida.",
    "asignada": "Caso asignado.",
    "enviada": "Mensaje de la solicitud enviado a la persona.",
    "no_enviada": "No se pudo enviar el mensaje: revisa la configuración de Twilio o imprímelo.",
    "no_verificado": (
        "No se envió: ese número no nos ha escrito por ese medio (o en WhatsApp, no en las "
        "últimas 24 horas). Imprime la ficha o pide a la persona que escriba primero."
    ),
    "estado": "Estado del caso actualizado; avisamos a la persona.",
    "recordatorios": "Preferencia de recordatorios guardada.",
    "corregido": "Dato corregido; avisamos a la persona (sin mostrarle el dato).",
    "corregido_ingreso": (
        "Ingreso corregido; avisamos a la persona. La cuota mensual se volvió a estimar con las "
        "tablas vigentes (es una estimación; el monto oficial lo da el IMSS)."
    ),
    "sin_cambios": "El dato ya era ese: no hubo nada que corregir.",
    "actualizada": "Solicitud actualizada con los datos que escribiste; avisamos a la persona.",
}


class AjustesConsola(BaseSettings):
    #: Rasa as the web app reaches it (server side), for Preguntar.
    model_config = SettingsConfigDict(env_prefix="ORIENTA_", extra="ignore")

    rasa_url: str = "http://localhost:5005"
    #: Force the Secure flag on cookies; by default it follows the request's scheme (https).
    cookie_secure: bool | None = Field(
        None, validation_alias=AliasChoices("ORIENTA_CONSOLA_COOKIE_SECURE", "cookie_secure")
    )


class RedirigirLogin(Exception):
    pass


class Prohibido(Exception):
    def __init__(self, mensaje: str, status: int = 403):
        super().__init__(mensaje)
        self.mensaje, self.status = mensaje, status


def _entorno() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["dinero"] = lambda monto, moneda="MXN": (
        lectura.dinero(monto, moneda) if monto is not None else "—"
    )
    env.filters["fecha"] = _fecha
    env.filters["fecha_larga"] = lambda d: lectura.fecha_larga(d) if d else "—"
    env.globals["AVISO_VERSION"] = AVISO_PRIVACIDAD_VERSION
    env.globals["caso"] = caso  # states' labels and the transition table (bot/caso.py)
    env.globals["etiqueta_canal"] = canales.etiqueta_en_frase
    env.globals["medio_twilio"] = canales.medio_de_ticket
    env.globals["ticket_de_id"] = tickets.ticket_de_id
    return env


def _fecha(valor: datetime | None) -> str:
    """Date and time in Mexico City (fixed UTC-6), as promoters read it."""
    if valor is None:
        return "—"
    local = en_utc(valor).astimezone(ZONA_MX)
    return local.strftime("%d/%m/%Y %H:%M")


PLANTILLAS = _entorno()


def _html(request: Request, plantilla: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    sesion = getattr(request.state, "sesion", None)
    ctx.setdefault("aviso", AVISOS.get(request.query_params.get("aviso", "")))
    html = PLANTILLAS.get_template(plantilla).render(
        sesion=sesion,
        usuario=sesion.promotor if sesion else None,
        csrf=sesion.csrf if sesion else "",
        ruta=request.url.path,
        **ctx,
    )
    return HTMLResponse(html, status_code=status, headers=CABECERAS)


def _redirigir(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=CABECERAS)


def _seguro(request: Request) -> bool:
    ajuste = request.app.state.consola_settings.cookie_secure
    return request.url.scheme == "https" if ajuste is None else ajuste


# ------------------------------------------------------------------ dependencies
def sesion_actual(request: Request, session: SessionDep) -> seguridad.SesionActiva:
    sesion = seguridad.sesion_de(session, request.cookies.get(COOKIE))
    if sesion is None:
        raise RedirigirLogin()
    request.state.sesion = sesion
    return sesion


SesionDep = Annotated[seguridad.SesionActiva, Depends(sesion_actual)]


def requiere_admin(sesion: SesionDep) -> seguridad.SesionActiva:
    if sesion.promotor.rol != m.ROL_ADMIN:
        raise Prohibido("Esta página es solo para cuentas de administración.")
    return sesion


AdminSesionDep = Annotated[seguridad.SesionActiva, Depends(requiere_admin)]


def csrf_ok(request: Request, sesion: SesionDep, csrf: str = Form("")) -> seguridad.SesionActiva:
    if not seguridad.csrf_valido(sesion.csrf, csrf):
        log.warning("consola: CSRF inválido promotor=%s", sesion.promotor.id)
        raise Prohibido(
            "El formulario caducó o no vino de la consola. Recarga la página e intenta de nuevo."
        )
    return sesion


CsrfDep = Annotated[seguridad.SesionActiva, Depends(csrf_ok)]

router = APIRouter(prefix=RUTA, include_in_schema=False)


@router.get("")
def inicio(*, request: Request, session: SessionDep):
    if seguridad.sesion_de(session, request.cookies.get(COOKIE)):
        return _redirigir(f"{RUTA}/preguntar")
    return _redirigir(f"{RUTA}/entrar")


# ------------------------------------------------------------------ login
def _pagina_login(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    resp = _html(request, "entrar.html", status, error=error, csrf_login=token)
    resp.set_cookie(
        COOKIE_PRE,
        token,
        httponly=True,
        samesite="strict",
        secure=_seguro(request),
        path=RUTA,
        max_age=3600,
    )
    return resp


@router.get("/entrar")
def entrar_form(*, request: Request):
    return _pagina_login(request)


@router.post("/entrar")
def entrar(
    *,
    request: Request,
    usuario: str = Form(""),
    clave: str = Form(""),
    csrf: str = Form(""),
    session: SessionDep,
):
    if not seguridad.csrf_valido(request.cookies.get(COOKIE_PRE), csrf):
        return _pagina_login(request, "La página de acceso caducó; intenta de nuevo.", 400)
    # The peer, or the client a trusted proxy names (servicio/inscripcion/proxy.py): never a
    # client-chosen X-Forwarded-For.
    ip = request.client.host if request.client else "desconocida"
    usuario, clave = usuario[:100], clave[: seguridad.PASSWORD_MAX]
    espera = seguridad.espera(session, usuario, ip)
    if espera.total_seconds() > 0:
        log.warning("consola: intento de acceso antes de la espera por fallos")
        segundos = max(1, math.ceil(espera.total_seconds()))
        return _pagina_login(
            request,
            f"Hubo varios intentos fallidos. Espera {segundos} segundos e intenta de nuevo.",
            429,
        )
    try:
        cuenta = seguridad.autenticar(session, usuario, clave)
    except seguridad.Ocupado:
        log.warning("consola: verificaciones de contraseña saturadas")
        return _pagina_login(
            request,
            "Hay muchas personas entrando a la vez. Intenta de nuevo en unos segundos.",
            503,
        )
    if cuenta is None:
        seguridad.registrar_fallo(session, usuario, ip)
        return _pagina_login(request, "Usuario o contraseña incorrectos.", 401)
    token = seguridad.abrir_sesion(session, cuenta)
    log.info("consola: sesión iniciada promotor=%s", cuenta.id)
    resp = _redirigir(f"{RUTA}/preguntar")
    resp.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_seguro(request),
        path=RUTA,
        max_age=seguridad.SESION_HORAS * 3600,
    )
    resp.delete_cookie(COOKIE_PRE, path=RUTA)
    return resp


@router.post("/salir")
def salir(*, request: Request, sesion: CsrfDep, session: SessionDep):
    seguridad.cerrar_sesion(session, request.cookies.get(COOKIE))
    resp = _redirigir(f"{RUTA}/entrar")
    resp.delete_cookie(COOKIE, path=RUTA)
    return resp


# ------------------------------------------------------------------ preguntar
@router.get("/preguntar")
def preguntar_form(*, request: Request, sesion: SesionDep):
    return _html(request, "preguntar.html", pregunta="", respuesta=None)


@router.post("/preguntar")
def preguntar_post(*, request: Request, pregunta: str = Form(""), sesion: CsrfDep):
    rasa_url = request.app.state.consola_settings.rasa_url
    direccion = request.client.host if request.client else None
    respuesta = preguntar.preguntar(rasa_url, sesion.promotor.id, pregunta, direccion=direccion)
    return _html(request, "preguntar.html", pregunta=pregunta[:600], respuesta=respuesta)


# ------------------------------------------------------------------ registros
@router.get("/registros")
def registros_form(*, request: Request, sesion: SesionDep):
    """The search form only: a CURP or a name never travels in a URL (``?q=`` is ignored)."""
    return _html(request, "registros.html", q="", busqueda=registros.Busqueda([], ""))


@router.post("/registros")
def registros_lista(
    *,
    request: Request,
    q: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    """Search by folio, CURP or name, sent in the body of a POST (not in access logs, history
    or the Referer)."""
    busqueda = registros.buscar(
        session,
        q,
        Alcance.de(sesion.promotor),
        auditoria.busquedas_nombre_recientes(session, sesion.promotor),
    )
    if busqueda.criterio == "nombre":
        auditoria.anotar_busqueda_nombre(session, sesion.promotor)
    auditoria.anotar_accesos(
        session, sesion.promotor, auditoria.BUSQUEDA, (r.folio for r in busqueda.registros)
    )
    return _html(request, "registros.html", q=q[:120], busqueda=busqueda)


def _fecha_tarifa(request: Request) -> date:
    return svc.fecha_de_tarifa(request.app.state.settings.anio_tarifa)


@router.get("/registros/nuevo")
def registro_nuevo_form(*, request: Request, sesion: SesionDep):
    return _html(request, "registro_nuevo.html", form=registros.Formulario.desde({}))


def _formulario_asistido(**campos: str) -> registros.Formulario:
    """The assisted form as typed (kept whole when the service refuses it)."""
    return registros.Formulario.desde(campos)


def _pagina_existente(
    request: Request,
    session: Session,
    sesion: seguridad.SesionActiva,
    form: registros.Formulario,
    existente: m.Registro,
    status: int = 409,
) -> HTMLResponse:
    """The assisted form again, every typed value kept, and the open registration with that
    CURP: its folio and the update button only within the account's scope."""
    visible = Alcance.de(sesion.promotor).ve_registro(existente)
    if visible:
        auditoria.anotar_accesos(session, sesion.promotor, auditoria.BUSQUEDA, [existente.folio])
    return _html(
        request,
        "registro_nuevo.html",
        status,
        form=form,
        existente=existente if visible else None,
        existente_fuera=not visible,
    )


@router.post("/registros/nuevo")
def registro_nuevo(
    *,
    request: Request,
    curp: str = Form(""),
    nombre: str = Form(""),
    email: str = Form(""),
    telefono: str = Form(""),
    residencia: str = Form(""),
    ocupacion: str = Form(""),
    ingreso: str = Form(""),
    moneda: str = Form("MXN"),
    periodo: str = Form("mes"),
    nss: str = Form(""),
    domicilio_estado: str = Form(""),
    domicilio_municipio: str = Form(""),
    domicilio_cp: str = Form(""),
    domicilio_colonia: str = Form(""),
    consentimiento: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    form = _formulario_asistido(
        curp=curp,
        nombre=nombre,
        email=email,
        telefono=telefono,
        residencia=residencia,
        ocupacion=ocupacion,
        ingreso=ingreso,
        moneda=moneda,
        periodo=periodo,
        nss=nss,
        domicilio_estado=domicilio_estado,
        domicilio_municipio=domicilio_municipio,
        domicilio_cp=domicilio_cp,
        domicilio_colonia=domicilio_colonia,
        consentimiento=consentimiento,
    )
    st = request.app.state.settings
    alta = registros.dar_de_alta(
        session, form, sesion.promotor, _fecha_tarifa(request), st.tipo_cambio_usd_mxn
    )
    if alta.registro is None:
        return _html(request, "registro_nuevo.html", 422, form=form)
    if not alta.creado:  # an open registration already has that CURP: nothing typed is lost
        return _pagina_existente(request, session, sesion, form, alta.registro)
    folio = alta.registro.folio
    log.info("consola: registro asistido folio=%s promotor=%s", folio, sesion.promotor.id)
    return _redirigir(f"{RUTA}/registros/{quote(folio)}")


@router.post("/registros/{folio}/actualizar")
def registro_actualizar(
    *,
    request: Request,
    folio: str,
    curp: str = Form(""),
    nombre: str = Form(""),
    email: str = Form(""),
    telefono: str = Form(""),
    residencia: str = Form(""),
    ocupacion: str = Form(""),
    ingreso: str = Form(""),
    moneda: str = Form("MXN"),
    periodo: str = Form("mes"),
    consentimiento: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    """ "Actualizar esa solicitud con estos datos": the assisted form's fields applied to the
    open registration with that CURP as corrections the person asked for."""
    reg = _registro_o_404(session, folio, sesion)
    form = _formulario_asistido(
        curp=curp,
        nombre=nombre,
        email=email,
        telefono=telefono,
        residencia=residencia,
        ocupacion=ocupacion,
        ingreso=ingreso,
        moneda=moneda,
        periodo=periodo,
        consentimiento=consentimiento,
    )
    valores = registros.leer_correccion(form, registros.CAMPOS_ACTUALIZABLES)
    if not form.errores:
        try:
            casos.corregir(
                session,
                reg.folio,
                valores,
                casos.MOTIVO_LA_PERSONA_LO_PIDIO,
                auditoria.actor(sesion.promotor),
                fecha=_fecha_tarifa(request),
                tipo_cambio=request.app.state.settings.tipo_cambio_usd_mxn,
            )
        except svc.ErrorApi as error:
            session.rollback()
            session.refresh(reg)
            form.error(error.campo or "general", error.mensaje)
    if form.errores:
        return _pagina_existente(request, session, sesion, form, reg, 422)
    return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso=actualizada")


def _registro_o_404(session: Session, folio: str, sesion: seguridad.SesionActiva) -> m.Registro:
    """The registration, if this account may see it; outside its scope, the same 404 as a
    folio that does not exist (servicio/consola/alcance.py)."""
    reg = registros.por_folio(session, folio)
    if reg is None or not Alcance.de(sesion.promotor).ve_registro(reg):
        raise Prohibido("No existe un registro con ese folio.", 404)
    return reg


@router.get("/registros/{folio}")
def registro_detalle(
    *,
    request: Request,
    folio: str,
    sesion: SesionDep,
    session: SessionDep,
):
    reg = _registro_o_404(session, folio, sesion)
    auditoria.anotar_accesos(session, sesion.promotor, auditoria.VISTA, [reg.folio])
    return _pagina_registro(request, session, reg)


@router.get("/registros/{folio}/ficha")
def registro_ficha(
    *,
    request: Request,
    folio: str,
    sesion: SesionDep,
    session: SessionDep,
):
    reg = _registro_o_404(session, folio, sesion)
    auditoria.anotar_accesos(session, sesion.promotor, auditoria.FICHA, [reg.folio])
    return _html(
        request,
        "ficha.html",
        reg=reg,
        texto_confirmacion=registros.texto_confirmacion(reg),
        vence_el=_dia_mx(reg.linea_vence_en),
    )


def _numero_confiable(session: Session, reg: m.Registro, medio: str) -> bool:
    """Whether the console may message this registration's number: it wrote to us in a request
    signed by Twilio (WhatsApp: within its 24-hour window), or, for SMS, a promoter typed it with
    the person present. A number typed into a chat form is never enough: anyone can type
    someone else's (servicio/inscripcion/contactos.py)."""
    telefono = reg.telefono or ""
    if medio == canales.WHATSAPP:
        return twilio_salida.ventana_abierta(
            session, medio, telefono, twilio_salida.AjustesSalida()
        )
    return reg.origen == m.ORIGEN_CONSOLA or twilio_salida.numero_firmado(session, medio, telefono)


@router.post("/registros/{folio}/enviar")
def registro_enviar(
    *,
    request: Request,
    folio: str,
    canal: str = Form(canales.TELEFONO),
    sesion: CsrfDep,
    session: SessionDep,
):
    reg = _registro_o_404(session, folio, sesion)
    medio = canales.medio_de_ticket(canal)
    if medio is None or not reg.telefono or reg.estado == m.ESTADO_ELIMINADO:
        return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso=no_enviada")
    if not _numero_confiable(session, reg, medio):
        log.info("consola: envío a un número sin mensaje firmado folio=%s", reg.folio)
        return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso=no_verificado")
    auditoria.anotar_accesos(session, sesion.promotor, auditoria.ENVIO_REFERENCIA, [reg.folio])
    ok = twilio_salida.enviar(canal, reg.telefono, registros.texto_confirmacion(reg))
    aviso = "enviada" if ok else "no_enviada"
    return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso={aviso}")


#: The form fields a move may carry (bot/caso.CAMPOS); anything else is ignored.
CAMPOS_MOVIMIENTO = ("nss", "linea_captura", "linea_monto", "linea_vence_en", "motivo")


def _pagina_registro(
    request: Request, session: Session, reg: m.Registro, status: int = 200, **ctx: Any
) -> HTMLResponse:
    return _html(
        request,
        "registro.html",
        status,
        reg=reg,
        texto_confirmacion=registros.texto_confirmacion(reg),
        envio_sms=twilio_salida.configurado(canales.SMS),
        envio_whatsapp=twilio_salida.configurado(canales.WHATSAPP),
        transiciones=caso.permitidas(reg.estado),
        historial=casos.historial(session, reg.folio),
        etiquetas=auditoria.ETIQUETAS,
        vence_el=_dia_mx(reg.linea_vence_en),
        corregible=reg.estado not in casos.SIN_CORRECCIONES,
        campos_corregibles=casos.CAMPOS_CORREGIBLES,
        motivos_correccion=casos.MOTIVOS_CORRECCION,
        **{"correccion": None, "campo_corregido": "", "motivo": "", **ctx},
    )


def _dia_mx(valor: datetime | None) -> date | None:
    return en_utc(valor).astimezone(ZONA_MX).date() if valor else None


@router.post("/registros/{folio}/estado")
def registro_estado(
    *,
    request: Request,
    folio: str,
    destino: str = Form(""),
    nss: str = Form(""),
    linea_captura: str = Form(""),
    linea_monto: str = Form(""),
    linea_vence_en: str = Form(""),
    motivo: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    """A promoter's move of the case (bot/caso.py): 409 if the table does not allow it, 422 if
    a required field is missing or wrong; what was typed comes back in the form."""
    reg = _registro_o_404(session, folio, sesion)
    escritos = (nss, linea_captura, linea_monto, linea_vence_en, motivo)
    campos = {c: (t or "").strip()[:400] for c, t in zip(CAMPOS_MOVIMIENTO, escritos, strict=True)}
    try:
        casos.mover(session, reg.folio, destino, campos, auditoria.actor(sesion.promotor))
    except svc.ErrorApi as error:
        session.rollback()
        session.refresh(reg)
        return _pagina_registro(
            request,
            session,
            reg,
            error.status,
            error_estado=error.mensaje,
            destino_error=destino,
            valores=campos,
        )
    return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso=estado")


@router.post("/registros/{folio}/recordatorios")
def registro_recordatorios(
    *,
    folio: str,
    activar: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    """The person said at the desk whether they want the monthly payment reminder."""
    reg = _registro_o_404(session, folio, sesion)
    try:
        casos.fijar_recordatorios(
            session, reg.folio, activar == "si", auditoria.actor(sesion.promotor)
        )
    except svc.ErrorApi as error:
        raise Prohibido(error.mensaje, error.status) from None
    return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso=recordatorios")


@router.post("/registros/{folio}/corregir")
def registro_corregir(
    *,
    request: Request,
    folio: str,
    campo: str = Form(""),
    valor: str = Form(""),
    moneda: str = Form("MXN"),
    motivo: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    """A promoter corrects one field with a reason from the fixed list; the same rules as the
    chat read it, and an error brings the form back with what was typed."""
    reg = _registro_o_404(session, folio, sesion)
    form = registros.Formulario.desde(
        {"valor": valor, "moneda": moneda}, registros.CAMPOS_CORRECCION
    )
    valores = registros.leer_correccion_de_un_campo(form, campo)
    status, hecho = 422, None
    if not form.errores:
        try:
            hecho = casos.corregir(
                session,
                reg.folio,
                valores,
                motivo,
                auditoria.actor(sesion.promotor),
                fecha=_fecha_tarifa(request),
                tipo_cambio=request.app.state.settings.tipo_cambio_usd_mxn,
            )
        except svc.ErrorApi as error:
            session.rollback()
            session.refresh(reg)
            status = error.status
            form.error(error.campo or "general", error.mensaje)
    if hecho is None:
        return _pagina_registro(
            request, session, reg, status, correccion=form, campo_corregido=campo, motivo=motivo
        )
    aviso = "sin_cambios"
    if hecho.campos:
        aviso = "corregido_ingreso" if "ingreso" in hecho.campos else "corregido"
    return _redirigir(f"{RUTA}/registros/{quote(reg.folio)}?aviso={aviso}")


# ------------------------------------------------------------------ canalizaciones
def _espera(fila: m.Canalizacion) -> str:
    """How long the person has waited (since the case opened, or their last message)."""
    desde = en_utc(fila.actividad_persona_en or fila.creada_en)
    minutos = max(0, int((ahora_utc() - desde).total_seconds() // 60))
    if minutos < 60:
        return f"{minutos} min"
    horas = minutos // 60
    return f"{horas} h {minutos % 60} min" if horas < 48 else f"{horas // 24} días"


def _pagina_bandeja(
    request: Request, session: Session, sesion: seguridad.SesionActiva, **filtros: Any
) -> HTMLResponse:
    alcance = Alcance.de(sesion.promotor)
    consulado = filtros.get("consulado") or ""
    filas = filtros.pop("filas", None)
    if filas is None:
        filas = tickets.bandeja(
            session,
            dentro=alcance.filtro_canalizaciones(),
            consulado=consulado if alcance.nacional else None,
            incluir_pruebas=bool(filtros.get("pruebas")),
            estado=filtros.get("estado") or None,
        )
    consulados = sorted(
        {c for c in session.execute(select(m.Canalizacion.consulado).distinct()).scalars() if c}
    )
    return _html(
        request,
        "canalizaciones.html",
        filas=filas,
        no_leidos=tickets.no_leidos(session, [f.id for f in filas]),
        espera=_espera,
        consulados=consulados if alcance.nacional else [],
        nombres=_nombres(session, {f.tomada_por for f in filas if f.tomada_por}),
        estado=filtros.get("estado", ""),
        consulado=consulado,
        pruebas=bool(filtros.get("pruebas")),
        q=filtros.get("q", ""),
    )


def _nombres(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    filas = session.execute(select(m.Promotor.id, m.Promotor.nombre).where(m.Promotor.id.in_(ids)))
    return dict(filas.tuples().all())


@router.get("/canalizaciones")
def canalizaciones_lista(
    *,
    request: Request,
    estado: str = "",
    consulado: str = "",
    pruebas: str = "",
    sesion: SesionDep,
    session: SessionDep,
):
    """One queue per consulate (admins: all, or one), the longest waiting first."""
    estado = estado if estado in ("abierta", "tomada", "cerrada") else ""
    return _pagina_bandeja(
        request, session, sesion, estado=estado, consulado=consulado[:120], pruebas=pruebas == "1"
    )


@router.post("/canalizaciones/buscar")
def canalizaciones_buscar(
    *, request: Request, q: str = Form(""), sesion: CsrfDep, session: SessionDep
):
    """By case number, folio or name, in a POST body (a name never travels in a URL)."""
    dentro = Alcance.de(sesion.promotor).filtro_canalizaciones()
    filas = tickets.buscar(session, q, dentro)
    auditoria.anotar_accesos(
        session,
        sesion.promotor,
        auditoria.BUSQUEDA,
        (tickets.id_canalizacion(f.id) for f in filas),
    )
    return _pagina_bandeja(request, session, sesion, filas=filas, estado="", q=q[:120])


@router.get("/canalizaciones/novedades.json")
def canalizaciones_novedades(*, sesion: SesionDep, session: SessionDep):
    """Polled by consola.js every few seconds: unread counts and the newest message id per
    case of the account's queue (no text, no personal data)."""
    filas = tickets.bandeja(session, dentro=Alcance.de(sesion.promotor).filtro_canalizaciones())
    no_leidos = tickets.no_leidos(session, [f.id for f in filas])
    ultimos = tickets.ultimos_mensajes(session, [f.id for f in filas])
    casos = [
        {"id": f.id, "estado": f.estado, "no_leidos": no_leidos[f.id], "ultimo": ultimos[f.id]}
        for f in filas
    ]
    return JSONResponse(
        {"casos": casos, "no_leidos": sum(no_leidos.values()), "abiertos": len(filas)},
        headers=CABECERAS,
    )


@router.get("/canalizaciones/{ticket_id}/novedades.json")
def canalizacion_novedades(*, ticket_id: int, sesion: SesionDep, session: SessionDep):
    """The newest message id and state of one case: the page offers to reload when it changes."""
    fila = _ticket_o_404(session, ticket_id, sesion)
    ultimo = tickets.ultimos_mensajes(session, [fila.id])[fila.id]
    return JSONResponse({"estado": fila.estado, "ultimo": ultimo}, headers=CABECERAS)


def _ticket_o_404(
    session: Session, ticket_id: int, sesion: seguridad.SesionActiva
) -> m.Canalizacion:
    """The case, if this account may see it; outside its scope the same 404 as a missing one."""
    fila = session.get(m.Canalizacion, ticket_id)
    if fila is None or not Alcance.de(sesion.promotor).ve_canalizacion(fila):
        raise Prohibido("No existe esa canalización.", 404)
    return fila


@functools.lru_cache(maxsize=1)
def _entradas_conocimiento() -> tuple:
    return conocimiento.cargar()


def respuestas_aprobadas(hoy: date) -> list[tuple[str, str]]:
    """Canned answers: the knowledge base's own short answers, (title, text), for the select
    that inserts one into the reply box (the promoter edits it before sending)."""
    valores = conocimiento.valores_del_anio(hoy)
    return [
        (e.titulo, conocimiento.texto_corto(e, valores).replace(f"\n{conocimiento.MAS}", ""))
        for e in _entradas_conocimiento()
        if e.tipo != "urgente"
    ]


def _pagina_ticket(
    request: Request, session: Session, fila: m.Canalizacion, status: int = 200, **extra: Any
) -> HTMLResponse:
    hilo = tickets.hilo(session, fila.id)
    sesion = request.state.sesion
    registro = registros.por_folio(session, fila.folio) if fila.folio else None
    if registro is not None and not Alcance.de(sesion.promotor).ve_registro(registro):
        registro = None
    return _html(
        request,
        "canalizacion.html",
        status,
        t=fila,
        hilo=hilo,
        ultimo=hilo[-1].id if hilo else 0,
        nombres=_nombres(session, {r.promotor_id for r in hilo if r.promotor_id}),
        twilio=twilio_salida.configurado(fila.canal),
        tomada_por=session.get(m.Promotor, fila.tomada_por) if fila.tomada_por else None,
        colegas=[
            c for c in tickets.colegas(session, fila, sesion.promotor) if c.id != fila.tomada_por
        ],
        aprobadas=respuestas_aprobadas(dia_en_mexico(ahora_utc())),
        registro=registro,
        espera=_espera(fila),
        **extra,
    )


@router.get("/canalizaciones/{ticket_id}")
def canalizacion_detalle(
    *,
    request: Request,
    ticket_id: int,
    sesion: SesionDep,
    session: SessionDep,
):
    fila = _ticket_o_404(session, ticket_id, sesion)
    auditoria.anotar_accesos(
        session, sesion.promotor, auditoria.VISTA_CANALIZACION, [tickets.id_canalizacion(fila.id)]
    )
    tickets.marcar_leida(session, fila, sesion.promotor)
    return _pagina_ticket(request, session, fila)


def _prohibido(session: Session, promotor: m.Promotor, error: svc.ErrorApi) -> Prohibido:
    """The refusal as an error page. The service rolled back, which expired the account the
    page's header shows: reloaded here, while the request's session is still open."""
    session.refresh(promotor)
    return Prohibido(error.mensaje, error.status)


def _accion_ticket(fn, session: Session, ticket_id: int, promotor, *args, **kwargs) -> Any:
    try:
        return fn(session, ticket_id, promotor, *args, **kwargs)
    except svc.ErrorApi as error:
        raise _prohibido(session, promotor, error) from None


@router.post("/canalizaciones/{ticket_id}/tomar")
def canalizacion_tomar(*, ticket_id: int, sesion: CsrfDep, session: SessionDep):
    _ticket_o_404(session, ticket_id, sesion)
    _accion_ticket(tickets.tomar, session, ticket_id, sesion.promotor)
    return _redirigir(f"{RUTA}/canalizaciones/{ticket_id}?aviso=tomada")


@router.post("/canalizaciones/{ticket_id}/responder")
def canalizacion_responder(
    *,
    request: Request,
    ticket_id: int,
    texto: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    fila = _ticket_o_404(session, ticket_id, sesion)
    try:
        respuesta = tickets.responder(session, ticket_id, sesion.promotor, texto)
    except svc.ErrorApi as error:
        if error.status != 422:
            raise _prohibido(session, sesion.promotor, error) from None
        return _pagina_ticket(request, session, fila, 422, error=error.mensaje, texto=texto[:1000])
    entregada = tickets.entregar_ahora(session, respuesta, fila)
    aviso = "entregada" if entregada else "pendiente"
    return _redirigir(f"{RUTA}/canalizaciones/{ticket_id}?aviso={aviso}")


@router.post("/canalizaciones/{ticket_id}/nota")
def canalizacion_nota(
    *,
    request: Request,
    ticket_id: int,
    texto: str = Form(""),
    sesion: CsrfDep,
    session: SessionDep,
):
    fila = _ticket_o_404(session, ticket_id, sesion)
    try:
        tickets.anotar(session, ticket_id, sesion.promotor, texto)
    except svc.ErrorApi as error:
        if error.status != 422:
            raise _prohibido(session, sesion.promotor, error) from None
        return _pagina_ticket(request, session, fila, 422, error_nota=error.mensaje)
    return _redirigir(f"{RUTA}/canalizaciones/{ticket_id}?aviso=nota")


@router.post("/canalizaciones/{ticket_id}/asignar")
def canalizacion_asignar(
    *, ticket_id: int, colega: int = Form(0), sesion: CsrfDep, session: SessionDep
):
    _ticket_o_404(session, ticket_id, sesion)
    _accion_ticket(tickets.asignar, session, ticket_id, sesion.promotor, colega)
    return _redirigir(f"{RUTA}/canalizaciones/{ticket_id}?aviso=asignada")


@router.post("/canalizaciones/{ticket_id}/cerrar")
def canalizacion_cerrar(
    *, ticket_id: int, motivo: str = Form(""), sesion: CsrfDep, session: SessionDep
):
    _ticket_o_404(session, ticket_id, sesion)
    _accion_ticket(tickets.cerrar, session, ticket_id, sesion.promotor, motivo=motivo)
    return _redirigir(f"{RUTA}/canalizaciones/{ticket_id}?aviso=cerrada")


# ------------------------------------------------------------------ statistics and audit
@router.get("/estadisticas")
def estadisticas_pagina(
    *,
    request: Request,
    dias: int = 30,
    filtro: str = "",
    atendidas: str = "",
    pagina: int = 1,
    sesion: SesionDep,
    session: SessionDep,
):
    dias = dias if dias in (7, 30, 90) else 30
    alcance = Alcance.de(sesion.promotor)
    # The filter is words of an already masked question (no personal data), so a GET is fine.
    filtro = filtro[:100]
    datos = estadisticas.resumen(
        session,
        dias=dias,
        consulado=None if alcance.nacional else alcance.consulado or "",
        **(
            {"filtro": filtro, "con_atendidas": atendidas == "1", "pagina": max(1, pagina)}
            if alcance.nacional
            else {}
        ),
    )
    temas_items = [(t.etiqueta, t.veces) for t in datos.temas]
    return _html(
        request,
        "estadisticas.html",
        dias=dias,
        datos=datos,
        graficas=graficas,
        temas_items=temas_items,
        filtro=filtro,
        atendidas=atendidas == "1",
    )


@router.post("/estadisticas/atendida")
def estadisticas_atendida(
    *,
    request: Request,
    clave: str = Form(""),
    dias: int = Form(30),
    csrf: str = Form(""),
    sesion: AdminSesionDep,
    session: SessionDep,
):
    """Marks an unanswered question as handled (admins: the list is national). Audited."""
    csrf_ok(request, sesion, csrf)
    actor = auditoria.actor(sesion.promotor)
    if estadisticas.marcar_atendida(session, clave, actor):
        session.add(
            m.Auditoria(
                folio="ESTADISTICAS", accion="pregunta_atendida", en=ahora_utc(), actor=actor
            )
        )
        session.commit()
    dias = dias if dias in (7, 30, 90) else 30
    return _redirigir(f"{RUTA}/estadisticas?dias={dias}&aviso=atendida")


@router.get("/auditoria")
def auditoria_pagina(
    *,
    request: Request,
    folio: str = "",
    usuario: str = "",
    sesion: AdminSesionDep,
    session: SessionDep,
):
    entradas = auditoria.consultar(session, folio[:20] or None, usuario[:60] or None)
    return _html(
        request, "auditoria.html", entradas=entradas, folio=folio[:20], filtro_usuario=usuario[:60]
    )


# ------------------------------------------------------------------ wiring
def instalar(app: FastAPI, settings: AjustesConsola | None = None) -> None:
    """Mount the console on the web app (servicio/web/app.py)."""
    app.state.consola_settings = settings or AjustesConsola()
    app.include_router(router)
    # Editable answers (issue 18): its own router; imported here because it uses this module's
    # session dependencies and pages.
    from servicio.contenido import consola as contenido

    contenido.instalar(app)

    @app.exception_handler(RedirigirLogin)
    async def _a_login(request: Request, exc: RedirigirLogin):
        return _redirigir(f"{RUTA}/entrar")

    @app.exception_handler(Prohibido)
    async def _prohibido(request: Request, exc: Prohibido):
        return _html(request, "error.html", exc.status, mensaje=exc.mensaje)
