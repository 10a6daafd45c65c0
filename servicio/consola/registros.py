"""Registros in the console: search, assisted registration and the payment reference.

The assisted form runs the same rules as the chat (bot.lectura, bot.validacion, bot.ingreso)
and then the service's own schema and ``create_registro``: one implementation of each rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic
import yaml
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from bot import lectura, ventanillas
from bot import validacion as v
from bot.folio import es_folio
from bot.ingreso import PERIODOS_ELEGIBLES, leer_ingreso_mensual
from bot.registro import cuerpo_registro
from servicio.inscripcion import casos
from servicio.inscripcion import esquemas as s
from servicio.inscripcion import modelos as m
from servicio.inscripcion import operaciones as svc
from servicio.inscripcion.esquemas import RegistroIn

from .alcance import Alcance

ROOT = Path(__file__).resolve().parents[2]
MAX_RESULTADOS = 20
# Searching by name is how one would list people in bulk: fewer rows, a few letters at least,
# and a budget per account and hour (counted in the audit trail, so it holds across replicas).
MAX_RESULTADOS_NOMBRE = 10
MIN_LETRAS_NOMBRE = 4
BUSQUEDAS_NOMBRE_POR_HORA = 30

# Form fields, in the order the promoter fills them.
CAMPOS = (
    "curp",
    "nombre",
    "email",
    "telefono",
    "residencia",
    "ocupacion",
    "ingreso",
    "moneda",
    "periodo",
    "nss",
    "domicilio_estado",
    "domicilio_municipio",
    "domicilio_cp",
    "domicilio_colonia",
)
# Optional fields: left empty, nothing is sent for them.
OPCIONALES = ("nss", "domicilio_estado", "domicilio_municipio", "domicilio_cp", "domicilio_colonia")
#: The assisted form's fields applied to an open registration with the same CURP.
CAMPOS_ACTUALIZABLES = ("curp", "nombre", "email", "telefono", "residencia", "ocupacion", "ingreso")
#: A correction on the registration's page: one field (casos.CAMPOS_CORREGIBLES) at a time.
CAMPOS_CORRECCION = ("valor", "moneda")
# RegistroIn / service field -> the form field that shows its error.
_CAMPO_FORMULARIO = {
    "curp": "curp",
    "nombre": "nombre",
    "email": "email",
    "telefono": "telefono",
    "pais_residencia": "residencia",
    "ciudad_residencia": "residencia",
    "ocupacion": "ocupacion",
    "ingreso_mensual": "ingreso",
    "moneda": "moneda",
    "nss": "nss",
    "domicilio_estado": "domicilio_estado",
    "domicilio_municipio": "domicilio_municipio",
    "domicilio_cp": "domicilio_cp",
    "domicilio_colonia": "domicilio_colonia",
    "consentimiento": "consentimiento",
    "consentimiento.aceptado_en": "consentimiento",
}
SIN_CONSENTIMIENTO = (
    "Lee o entrega el aviso de privacidad a la persona y marca la casilla solo si acepta."
)


# ------------------------------------------------------------------ search
@dataclass(frozen=True)
class Busqueda:
    registros: list[m.Registro]
    criterio: str  # "folio" | "curp" | "nombre" | "" (nothing searched)
    mensaje: str | None = None


def buscar(
    session: Session,
    consulta: str,
    alcance: Alcance | None = None,
    nombres_en_la_hora: int = 0,
) -> Busqueda:
    """By folio, by CURP or by name (accents and case ignored), within ``alcance`` (the
    account's consulate; None: national). A name needs ``MIN_LETRAS_NOMBRE`` letters, shows at
    most ``MAX_RESULTADOS_NOMBRE`` rows, and an account gets ``BUSQUEDAS_NOMBRE_POR_HORA``
    name searches an hour (``nombres_en_la_hora``: how many it already made)."""
    texto = " ".join((consulta or "").split())[:120]
    if not texto:
        return Busqueda([], "")
    dentro = alcance.filtro_registros() if alcance is not None else true()
    clave = texto.upper().replace(" ", "")
    if es_folio(clave):
        stmt = select(m.Registro).where(m.Registro.folio == clave, dentro)
        return Busqueda(list(session.execute(stmt).scalars()), "folio")
    try:
        curp = v.validar_curp(clave).curp
    except v.ErrorValidacion:
        curp = None
    if curp:
        stmt = (
            select(m.Registro)
            .where(m.Registro.curp == curp, dentro)
            .order_by(m.Registro.id.desc())
            .limit(MAX_RESULTADOS)
        )
        return Busqueda(list(session.execute(stmt).scalars()), "curp")
    nombre = lectura.minusculas_sin_acentos(texto)
    if len(nombre.replace(" ", "")) < MIN_LETRAS_NOMBRE:
        return Busqueda(
            [],
            "",
            f"Escribe un folio (OR-…), una CURP completa o al menos {MIN_LETRAS_NOMBRE} letras "
            "del nombre.",
        )
    if nombres_en_la_hora >= BUSQUEDAS_NOMBRE_POR_HORA:
        return Busqueda(
            [],
            "",
            f"Llegaste a {BUSQUEDAS_NOMBRE_POR_HORA} búsquedas por nombre en una hora. "
            "Busca por folio o CURP, o intenta más tarde.",
        )
    patron = "%" + nombre.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(m.Registro)
        .where(m.Registro.nombre_busqueda.like(patron, escape="\\"), dentro)
        .order_by(m.Registro.id.desc())
        .limit(MAX_RESULTADOS_NOMBRE + 1)
    )
    filas = list(session.execute(stmt).scalars())
    mensaje = None
    if len(filas) > MAX_RESULTADOS_NOMBRE:
        filas = filas[:MAX_RESULTADOS_NOMBRE]
        mensaje = (
            f"Hay más de {MAX_RESULTADOS_NOMBRE} coincidencias: escribe el nombre más completo."
        )
    return Busqueda(filas, "nombre", mensaje)


def por_folio(session: Session, folio: str) -> m.Registro | None:
    clave = (folio or "").strip().upper()
    if not es_folio(clave):
        return None
    return session.execute(select(m.Registro).where(m.Registro.folio == clave)).scalar_one_or_none()


# ------------------------------------------------------------------ assisted registration
@dataclass
class Formulario:
    """What the promoter typed (kept on errors, so nothing is lost) and the errors by field."""

    valores: dict[str, str] = field(default_factory=dict)
    errores: dict[str, str] = field(default_factory=dict)
    consentimiento: bool = False

    @classmethod
    def desde(cls, datos: Mapping[str, Any], campos: tuple[str, ...] = CAMPOS) -> Formulario:
        valores = {c: str(datos.get(c) or "").strip()[:400] for c in campos}
        valores["moneda"] = valores["moneda"].upper() if valores["moneda"] else "MXN"
        if "periodo" in valores and valores["periodo"] not in PERIODOS_ELEGIBLES:
            valores["periodo"] = "mes"
        return cls(valores, {}, str(datos.get("consentimiento") or "") == "si")

    def error(self, campo: str, mensaje: str) -> None:
        self.errores.setdefault(_CAMPO_FORMULARIO.get(campo, campo), mensaje)


def _probar(form: Formulario, campo: str, regla: Callable[[str], Any]) -> Any:
    try:
        return regla(form.valores[campo])
    except v.ErrorValidacion as error:
        form.error(campo, error.mensaje)
    return None


def _residencia(texto: str) -> lectura.Residencia:
    lugar = lectura.residencia(texto)
    if not lugar.ciudad:
        raise v.ErrorValidacion(
            'Escribe la ciudad y el estado o país. Ejemplo: "Dallas, Texas" o "Toronto, Canadá".',
            "residencia",
        )
    return lugar


def _ingreso(moneda: str, periodo: str = "mes") -> Callable[[str], Any]:
    """Monthly income, read as in the chat (bot.ingreso.leer_ingreso_mensual): "3000 dólares a
    la semana" is converted to a month; the period select applies when the text names none."""
    por_omision = PERIODOS_ELEGIBLES.get(periodo)
    moneda = "USD" if moneda == "USD" else "MXN"
    return lambda texto: leer_ingreso_mensual(texto, moneda, por_omision).ingreso


def _opcional(form: Formulario, campo: str, regla: Callable[[str], Any]) -> Any:
    return _probar(form, campo, regla) if form.valores[campo] else None


def _municipio(texto: str) -> str:
    return lectura.validar_lugar_mx(
        texto, "domicilio_municipio", "el municipio o la alcaldía", "Ejemplo: Zapopan."
    )


def _colonia(texto: str) -> str:
    return lectura.validar_lugar_mx(texto, "domicilio_colonia", "la colonia", "Ejemplo: Centro.")


def _errores_pydantic(form: Formulario, error: pydantic.ValidationError) -> None:
    for detalle in error.errors():
        campo = s.campo_de(detalle.get("loc", ())) or ""
        mensaje = s.mensaje_en_espanol(detalle)
        if detalle.get("type", "").startswith(("decimal_", "int_", "float_", "greater_", "less_")):
            mensaje = "Escribe un ingreso mensual válido."
        form.error(campo.split(".")[0] if campo not in _CAMPO_FORMULARIO else campo, mensaje)


def preparar(form: Formulario, consulado_promotor: str | None) -> RegistroIn | None:
    """The service's RegistroIn for a valid form; None with ``form.errores`` filled otherwise."""
    if not form.consentimiento:
        form.error("consentimiento", SIN_CONSENTIMIENTO)
    curp = _probar(form, "curp", v.validar_curp)
    nombre = _probar(form, "nombre", lectura.validar_nombre)
    email = _probar(form, "email", v.validar_correo)
    telefono = _probar(form, "telefono", v.normalizar_telefono)
    lugar = _probar(form, "residencia", _residencia)
    ocupacion = _probar(form, "ocupacion", lectura.validar_ocupacion)
    ingreso = _probar(form, "ingreso", _ingreso(form.valores["moneda"], form.valores["periodo"]))
    nss = _opcional(form, "nss", v.validar_nss)
    domicilio = {
        "domicilio_estado": _opcional(form, "domicilio_estado", lectura.validar_estado_mx),
        "domicilio_municipio": _opcional(form, "domicilio_municipio", _municipio),
        "domicilio_cp": _opcional(form, "domicilio_cp", v.validar_codigo_postal_mx),
        "domicilio_colonia": _opcional(form, "domicilio_colonia", _colonia),
    }
    if form.errores:
        return None
    datos = cuerpo_registro(
        curp=curp.curp,
        nombre=nombre,
        email=email,
        telefono=telefono,
        pais_residencia=lugar.pais or lectura.ESTADOS_UNIDOS,
        ciudad_residencia=lugar.ciudad,
        ocupacion=ocupacion,
        ingreso_mensual=ingreso.monto,
        moneda=ingreso.moneda,
        consulado=consulado_promotor or ventanillas.consulado_cercano(lugar.ciudad),
        nss=nss,
        **domicilio,
    )
    try:
        return RegistroIn(**datos)
    except pydantic.ValidationError as error:
        _errores_pydantic(form, error)
        return None


#: How each correctable field is read: the same rules as the chat and the assisted form.
_LECTORES: dict[str, Callable[[str], Any]] = {
    "curp": v.validar_curp,
    "nombre": lectura.validar_nombre,
    "email": v.validar_correo,
    "telefono": v.normalizar_telefono,
    "residencia": _residencia,
    "ocupacion": lectura.validar_ocupacion,
    "nss": v.validar_nss,
}


def leer_correccion(form: Formulario, campos: Iterable[str]) -> dict[str, Any]:
    """``campos`` of ``form`` read by the bot's rules (``casos.corregir``'s ``valores``); the
    errors go to ``form.errores`` by field, what was typed stays in ``form.valores``."""
    leidos: dict[str, Any] = {}
    for campo in campos:
        regla = (
            _ingreso(form.valores.get("moneda", "MXN"), form.valores.get("periodo") or "mes")
            if campo == "ingreso"
            else None
        )
        valor = _probar(form, campo, regla or _LECTORES[campo])
        if valor is not None:
            leidos[campo] = valor
    return leidos


def leer_correccion_de_un_campo(form: Formulario, campo: str) -> dict[str, Any]:
    """The registration page's form: ``campo`` and what was typed in ``valor``."""
    if campo not in casos.CAMPOS_CORREGIBLES:
        form.error("campo", "Elige qué dato corriges.")
        return {}
    dentro = Formulario({campo: form.valores["valor"], "moneda": form.valores["moneda"]})
    leido = leer_correccion(dentro, [campo])
    for mensaje in dentro.errores.values():
        form.error("valor", mensaje)
    return leido


@dataclass(frozen=True)
class Alta:
    registro: m.Registro | None
    creado: bool = False


def dar_de_alta(
    session: Session,
    form: Formulario,
    promotor: m.Promotor,
    fecha: date,
    tipo_cambio: Decimal,
) -> Alta:
    """Create the registration for the person at the desk, recording the promoter."""
    payload = preparar(form, promotor.consulado)
    if payload is None:
        return Alta(None)
    try:
        res = svc.crear_registro(
            session, payload, fecha, tipo_cambio, origen=m.ORIGEN_CONSOLA, creado_por=promotor
        )
    except svc.ErrorApi as error:
        form.error(error.campo or "general", error.mensaje)
        return Alta(None)
    return Alta(res.registro, res.created)


# ------------------------------------------------------------------ the person's confirmation
@lru_cache(maxsize=1)
def _respuestas() -> dict[str, str]:
    dominio = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {k: v[0]["text"] for k, v in dominio.get("responses", {}).items()}


def texto_confirmacion(reg: m.Registro) -> str:
    """The same words the assistant sends after a pre-registration (domain.yml), for SMS/WhatsApp
    or print: what was recorded and what comes next. No payment reference: only IMSS issues it."""
    textos = _respuestas()
    monto = reg.monto_mensual
    datos = {
        "folio": reg.folio,
        "monto": lectura.dinero(monto, "MXN") if monto is not None else "—",
    }
    return (
        textos["utter_registro_enviado"].format(**datos)
        + "\n"
        + textos["utter_registro_siguientes_pasos"]
    )
