"""Quote flow: `cotizacion_form` asks the monthly income, `action_cotizar` asks the service.

"cuánto pagaría si gano 15 mil pesos al mes" is answered in one message: `extract_` reads the
amount from the message that activated the form. Income per week, fortnight or year is converted
to a month (bot.ingreso.leer_ingreso_mensual) and the conversion is said out loud; per day or per
hour we ask for the month instead.

The slot keeps the normalised amount with its currency ("15000.00 MXN") so a form re-activated
after "INTENTAR DE NUEVO" validates it again without losing the currency. A dollar income may come
with the person's exchange rate ("2000 dólares a 17.50", bot.ingreso.leer_tipo_cambio); without
it the service uses its configured rate and the estimate says it is assumed.

The estimate (a range, bot.cuota) is followed by the IMSS reference and where the IMSS
calculator is: the exact amount is IMSS's.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import respuestas
from actions.api.inscripcion import INVALIDO, NO_ENCONTRADO, cliente
from actions.formularios import (
    CANCELADO,
    PAUSADO,
    PENDIENTE,
    REQUESTED_SLOT,
    FormularioOrienta,
    fue_cancelado,
    fue_pausado,
    intencion,
    limpiar,
    texto,
)
from bot import lectura
from bot.ingreso import (
    Ingreso,
    IngresoMensual,
    IngresoNoMensual,
    leer_ingreso_mensual,
    leer_monto,
    leer_tipo_cambio,
)
from bot.validacion import ErrorValidacion

log = logging.getLogger("orienta.actions.cotizacion")

FORM = "cotizacion_form"
INGRESO = "ingreso_cotizacion"
MONEDA = "moneda_cotizacion"
TIPO_CAMBIO = "tipo_cambio_cotizacion"
SLOTS = (INGRESO, MONEDA, TIPO_CAMBIO)

SMS = 320
# In the message that starts the form, smaller numbers are rarely an income ("cotiza 3 meses").
MINIMO_EN_ACTIVACION = Decimal(100)

# Responses (all sent by this module's actions).
COTIZACION = "utter_cotizacion_resultado"
COTIZACION_REFERENCIA = "utter_cotizacion_referencia"
#: Sent after the estimate when the exchange rate was the service's, not the person's.
COTIZACION_TIPO_CAMBIO = "utter_cotizacion_tipo_cambio"
COTIZACION_INVALIDA = "utter_cotizacion_invalida"
INGRESO_CONVERTIDO = "utter_ingreso_convertido"
INGRESO_NO_MENSUAL = "utter_ingreso_no_mensual"
#: Responses only these actions send (gathered by actions.respuestas.enviadas_por_acciones).
ENVIADAS = frozenset(
    {
        COTIZACION,
        COTIZACION_REFERENCIA,
        COTIZACION_TIPO_CAMBIO,
        COTIZACION_INVALIDA,
        INGRESO_CONVERTIDO,
        INGRESO_NO_MENSUAL,
    }
)

#: Text of `utter_cotizacion_resultado` in domain.yml (kept equal by a test), used to make sure
#: the filled message fits one SMS. {partes} and {notas} end with their own line break or space.
PLANTILLA_COTIZACION = (
    "Estimación para {mes}: de {minimo} a {maximo} al mes si ganas {ingreso}.\n"
    "{partes}{notas}Cálculo de Orienta, no del IMSS.\n"
    "Fuente: LSS art. 227; IDC, 16/02/2026."
)
#: Caveats in the order they are kept when the SMS is short of room (bot.cuota's keys);
#: "valores_de_otro_anio" goes into the first line instead ("… con valores de 2026").
PRIORIDAD_AVISOS = (
    "piso",
    "tope",
    "cesantia_incierta",
    "riesgo_trabajo",
)

NOMBRES_CORTOS = {
    "Enfermedades y Maternidad": "Enf. y maternidad",
    "Retiro, Cesantía en Edad Avanzada y Vejez": "Retiro y vejez",
    "Invalidez y Vida": "Invalidez y vida",
    "Riesgos de Trabajo": "Riesgos de trabajo",
    "Guarderías y Prestaciones Sociales": "Guarderías",
}


def anunciar_conversion(dispatcher: CollectingDispatcher, leido: IngresoMensual) -> None:
    """ "Tomé $2,000.00 USD a la semana × 4.33 semanas por mes: …": said when a period was read."""
    if leido.periodo is None:
        return
    dispatcher.utter_message(
        response=INGRESO_CONVERTIDO,
        declarado=lectura.dinero(leido.declarado.monto, leido.declarado.moneda),
        periodo=leido.periodo.nombre,
        explicacion=leido.periodo.explicacion,
        mensual=lectura.dinero(leido.ingreso.monto, leido.ingreso.moneda),
    )


def recien_escrito(tracker: Tracker, form: str) -> bool:
    """True when the form starts right after the user wrote (not re-started by an action).

    After a rejected amount `action_cotizar` restarts the form with FollowupAction: the latest
    user message is still the rejected one and must not be read again (it would loop).
    """
    saltar = {form, f"validate_{form}", "action_extract_slots"}
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in saltar:
            return event.get("name") == "action_listen"
    return True


def tiene_monto(text: str, minimo: Decimal = Decimal(0)) -> bool:
    """True when the text states one amount (at least `minimo`)."""
    try:
        return leer_monto(text).monto >= minimo
    except ErrorValidacion:
        return False


def valor_slot(ingreso: Ingreso) -> str:
    return f"{ingreso.monto} {ingreso.moneda}"


def leer_tipo_cambio_slot(valor: Any) -> Decimal | None:
    """`tipo_cambio_cotizacion` as stored by the validator ("17.50"), or None."""
    try:
        return Decimal(str(valor)) if valor else None
    except ArithmeticError:
        return None


def leer_slot(valor: Any) -> Ingreso | None:
    """`ingreso_cotizacion` as stored by the validator ("15000.00 MXN")."""
    try:
        return leer_monto(str(valor)) if valor else None
    except ErrorValidacion:
        return None


# ------------------------------------------------------------------ the quote message
def _pesos(valor: Any) -> str:
    """Short amount for the breakdown: "$1,012"."""
    monto = Decimal(str(valor)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return "$" + format_decimal(monto, "#,##0", locale=lectura.LOCALE)


def _corto(valor: Any, moneda: str) -> str:
    """An income without empty centavos: "$15,000 MXN", "$1,234.50 USD"."""
    texto = lectura.dinero(Decimal(str(valor)), moneda)
    return texto.replace(".00 ", " ")


def partes_principales(desglose: list[dict]) -> list[tuple[str, Decimal]]:
    """Breakdown grouped by insurance, biggest first."""
    por_seguro: dict[str, Decimal] = {}
    for linea in desglose:
        seguro = str(linea.get("seguro") or "Otros")
        por_seguro[seguro] = por_seguro.get(seguro, Decimal(0)) + Decimal(str(linea["total"]))
    return sorted(por_seguro.items(), key=lambda kv: kv[1], reverse=True)


def _nombre_corto(seguro: str) -> str:
    return NOMBRES_CORTOS.get(seguro, seguro if len(seguro) <= 22 else seguro[:21] + ".")


def _mes(fecha: Any) -> str:
    """ "2027-01-15" -> "enero de 2027"."""
    return format_date(date.fromisoformat(str(fecha)[:10]), "MMMM 'de' y", locale=lectura.LOCALE)


def _tc(valor: Any) -> str:
    return format_decimal(Decimal(str(valor)), "#,##0.00", locale=lectura.LOCALE)


def _ingreso(datos: dict) -> str:
    """ "$15,000 MXN", or "$2,000 USD (≈$37,000 MXN a 18.50 por dólar, supuesto)"."""
    moneda = str(datos.get("moneda") or "MXN")
    ingreso = _corto(datos["ingreso_mensual"], moneda)
    if moneda == "MXN":
        return ingreso
    mxn = _corto(datos.get("ingreso_declarado_mxn", datos["ingreso_mensual_mxn"]), "MXN")
    tc = datos.get("tipo_cambio")
    if tc is None:
        return f"{ingreso} (≈{mxn})"
    cual = ", supuesto" if datos.get("tipo_cambio_supuesto") else ", el tuyo"
    return f"{ingreso} (≈{mxn} a {_tc(tc)} por dólar{cual})"


_CON_VALORES = re.compile(r"^Estimación (con valores de [^:]+):")


def _con_valores_de(datos: dict) -> str:
    """ " con valores de 2026" when some value of the year is not in our tables yet."""
    for aviso in datos.get("avisos") or []:
        hallado = _CON_VALORES.match(str(aviso.get("texto", "")))
        if aviso.get("clave") == "valores_de_otro_anio" and hallado:
            return " " + hallado.group(1)
    return ""


def notas_cotizacion(datos: dict) -> list[str]:
    """The caveats to say with the estimate, most important first."""
    por_clave = {str(a["clave"]): str(a["texto"]) for a in datos.get("avisos") or []}
    return [por_clave[c] for c in PRIORIDAD_AVISOS if c in por_clave]


def variables_tipo_cambio(datos: dict) -> dict[str, str] | None:
    """Placeholders of `utter_cotizacion_tipo_cambio`, or None when the rate was the person's."""
    if datos.get("moneda") != "USD" or not datos.get("tipo_cambio_supuesto"):
        return None
    tc = Decimal(str(datos["tipo_cambio"]))
    monto = Decimal(str(datos["ingreso_mensual"])).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return {
        "tipo_cambio": _tc(tc),
        "monto": format_decimal(monto, "#,##0", locale=lectura.LOCALE),
        "ejemplo": _tc(tc - Decimal(1)),
    }


def variables_cotizacion(datos: dict) -> dict[str, str]:
    """Placeholders of `utter_cotizacion_resultado`, shortened until the message fits an SMS:
    the breakdown goes first, then the least important caveats."""
    rango = datos.get("rango") or {}
    base = {
        "mes": _mes(datos["fecha"]) + _con_valores_de(datos),
        "minimo": _pesos(rango.get("minimo", datos["total_mensual"])),
        "maximo": _pesos(rango.get("maximo", datos["total_mensual"])),
        "ingreso": _ingreso(datos),
    }
    partes = partes_principales(datos.get("desglose") or [])
    notas = notas_cotizacion(datos)
    for k in range(len(notas), -1, -1):
        texto_notas = "".join(f"{n} " for n in notas[:k])
        for n in (4, 3, 2, 1, 0):
            lista = "; ".join(f"{_nombre_corto(s)} {_pesos(v)}" for s, v in partes[:n])
            variables = {
                **base,
                "partes": f"Principales: {lista}.\n" if lista else "",
                "notas": texto_notas,
            }
            if len(PLANTILLA_COTIZACION.format(**variables)) <= SMS:
                return variables
    return {**base, "partes": "", "notas": ""}


def texto_cotizacion(datos: dict) -> str:
    """The message as the user will read it (for tests and length checks)."""
    return PLANTILLA_COTIZACION.format(**variables_cotizacion(datos))


# ------------------------------------------------------------------ form validation
class ValidateCotizacionForm(FormularioOrienta):
    def name(self) -> str:
        return "validate_cotizacion_form"

    def digresion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pedido: str
    ) -> list[dict[str, Any]] | None:
        """ "¿cuánto pago si gano 2000 dólares?" answers the question we asked: not a digression."""
        nombre, _ = intencion(tracker)
        if nombre == "cotizar" or tiene_monto(texto(tracker)):
            return None
        return super().digresion(dispatcher, tracker, pedido)

    async def extract_ingreso_cotizacion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """The activating message already has the amount: quote without asking."""
        if tracker.get_slot(REQUESTED_SLOT) is not None or not recien_escrito(tracker, FORM):
            return {}
        mensaje = texto(tracker)
        if not tiene_monto(mensaje, MINIMO_EN_ACTIVACION):
            return {}
        return {INGRESO: mensaje}

    def validate_ingreso_cotizacion(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        escrito, tipo_cambio = leer_tipo_cambio(str(value or ""))
        try:
            leido = leer_ingreso_mensual(escrito)
        except IngresoNoMensual:
            dispatcher.utter_message(response=INGRESO_NO_MENSUAL)
            return {INGRESO: None, MONEDA: None, TIPO_CAMBIO: None}
        except ErrorValidacion as exc:
            dispatcher.utter_message(text=exc.mensaje)
            return {INGRESO: None, MONEDA: None, TIPO_CAMBIO: None}
        anunciar_conversion(dispatcher, leido)
        valores = {INGRESO: valor_slot(leido.ingreso), MONEDA: leido.ingreso.moneda}
        if tipo_cambio is not None and leido.ingreso.moneda == "USD":
            valores[TIPO_CAMBIO] = str(tipo_cambio)
        return valores


# ------------------------------------------------------------------ finishing action
def _sin_pendiente(tracker: Tracker) -> list[dict[str, Any]]:
    return [SlotSet(PENDIENTE, None)] if tracker.get_slot(PENDIENTE) == FORM else []


class ActionCotizar(Action):
    def name(self) -> str:
        return "action_cotizar"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if fue_cancelado(tracker):
            dispatcher.utter_message(response=respuestas.FORMULARIO_CANCELADO)
            return limpiar(SLOTS) + [SlotSet(CANCELADO, False)] + _sin_pendiente(tracker)
        if fue_pausado(tracker):  # already said by the form
            return [SlotSet(PAUSADO, False)]

        ingreso = leer_slot(tracker.get_slot(INGRESO))
        if ingreso is None:  # nothing usable: ask again
            return limpiar(SLOTS) + [FollowupAction(FORM)]

        tipo_cambio = leer_tipo_cambio_slot(tracker.get_slot(TIPO_CAMBIO))
        resultado = await cliente().cotizar(
            ingreso.monto,
            ingreso.moneda,
            tipo_cambio=tipo_cambio if ingreso.moneda == "USD" else None,
        )
        log.info(
            "cotizacion ok=%s error=%s status=%s",
            resultado.ok,
            resultado.error or "-",
            resultado.status or "-",
        )
        if resultado.ok and resultado.datos:
            try:
                variables = variables_cotizacion(resultado.datos)
            except (KeyError, TypeError, ValueError, ArithmeticError):
                log.warning("cotizacion respuesta_inesperada")
            else:
                dispatcher.utter_message(response=COTIZACION, **variables)
                tipo_cambio_supuesto = variables_tipo_cambio(resultado.datos)
                if tipo_cambio_supuesto is not None:
                    dispatcher.utter_message(
                        response=COTIZACION_TIPO_CAMBIO, **tipo_cambio_supuesto
                    )
                dispatcher.utter_message(response=COTIZACION_REFERENCIA)
                return limpiar(SLOTS) + _sin_pendiente(tracker)
        elif resultado.error == INVALIDO:
            mensaje = " ".join(resultado.mensajes) or (
                "No pude calcular la cuota con esa cantidad. Revisa que sea tu ingreso al mes."
            )
            dispatcher.utter_message(response=COTIZACION_INVALIDA, mensaje=mensaje)
            return limpiar(SLOTS) + _sin_pendiente(tracker) + [FollowupAction(FORM)]
        elif resultado.error == NO_ENCONTRADO:
            log.warning("cotizacion ruta_no_encontrada")

        # Service down (or an answer we cannot read): keep the amount for "INTENTAR DE NUEVO".
        dispatcher.utter_message(response=respuestas.SERVICIO_CAIDO_REINTENTAR)
        return [SlotSet(PENDIENTE, FORM)]


__all__ = [
    "ENVIADAS",
    "FORM",
    "INGRESO",
    "MONEDA",
    "PLANTILLA_COTIZACION",
    "ActionCotizar",
    "ValidateCotizacionForm",
    "notas_cotizacion",
    "variables_tipo_cambio",
    "anunciar_conversion",
    "leer_slot",
    "partes_principales",
    "recien_escrito",
    "texto_cotizacion",
    "tiene_monto",
    "valor_slot",
    "variables_cotizacion",
]
