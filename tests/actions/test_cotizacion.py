"""Quote flow: income validators (one-message shortcut, periods, errors) and action_cotizar."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import httpx
import pytest
import respx
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cotizacion
from actions.api.inscripcion import AjustesCliente, ClienteServicio
from actions.cotizacion import (
    PLANTILLA_COTIZACION,
    ActionCotizar,
    ValidateCotizacionForm,
    texto_cotizacion,
    variables_cotizacion,
    variables_tipo_cambio,
)
from bot.cuota import AVISO_ESTIMACION, CALCULADORA_IMSS, REFERENCIA_IMSS, cuota_en
from bot.ingreso import leer_ingreso_mensual
from bot.validacion import ErrorValidacion
from tests.actions.trackers import en_formulario, responses, slots, tracker, user

FORM = "cotizacion_form"
BASE = "http://enrollment.test"


# ------------------------------------------------------------------ helpers


async def validar(domain, requested, text, intent="nlu_fallback", **kw):
    dispatcher = CollectingDispatcher()
    t = en_formulario(FORM, requested, text, intent, **kw)
    events = await ValidateCotizacionForm().run(dispatcher, t, domain)
    return slots(events), dispatcher.messages


def cotizacion_json(
    ingreso, moneda="MXN", tipo_cambio=None, fecha=date(2026, 12, 15), supuesto=False
) -> dict:
    """A CotizacionOut body as the service builds it (servicio/inscripcion/api.py: cotizar)."""
    ingreso = Decimal(str(ingreso))
    mxn = ingreso * Decimal(str(tipo_cambio)) if moneda == "USD" else ingreso
    q = cuota_en(mxn, fecha)
    return {
        "estimacion": True,
        "aviso": AVISO_ESTIMACION,
        "fecha": q.fecha.isoformat(),
        "anio": q.anio,
        "anio_valores": q.anio_valores,
        "tabla_version": q.tabla_version,
        "moneda": moneda,
        "ingreso_mensual": float(ingreso),
        "tipo_cambio": tipo_cambio,
        "tipo_cambio_supuesto": supuesto,
        "ingreso_declarado_mxn": float(q.ingreso_declarado_mxn),
        "ingreso_mensual_mxn": float(q.ingreso_mensual_mxn),
        "ajuste": q.ajuste,
        "desglose": [
            {**{k: str(v) for k, v in ln.__dict__.items()}, "supuesto": ln.supuesto}
            for ln in q.lineas
        ],
        "total_trabajador": float(q.total_trabajador),
        "total_patron": float(q.total_patron),
        "total_mensual": float(q.total_mensual),
        "rango": {"minimo": float(q.total_mensual), "maximo": float(q.total_maximo)},
        "totales_por_periodo": {str(k): float(v) for k, v in q.totales_por_periodo.items()},
        "avisos": [{"clave": a.clave, "texto": a.texto} for a in q.avisos],
    }


@pytest.fixture
def servicio(monkeypatch):
    client = ClienteServicio(AjustesCliente(base_url=BASE, api_key="k", timeout_s=1.0))
    monkeypatch.setattr(cotizacion, "cliente", lambda: client)
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


async def cotizar(slots_antes: dict):
    dispatcher = CollectingDispatcher()
    t = tracker([user("ok", "nlu_fallback")], slots_antes)
    events = await ActionCotizar().run(dispatcher, t, {})
    return events, dispatcher.messages


def rellenar(mensaje: dict, domain: dict) -> str:
    """The text the user reads: the domain template with the action's variables."""
    plantilla = domain["responses"][mensaje["response"]][0]["text"]
    variables = {k: v for k, v in mensaje.items() if isinstance(v, str)}
    return plantilla.format_map(variables)


# ------------------------------------------------------------------ validators
async def test_one_message_quote_fills_the_amount_at_activation(domain):
    result, messages = await validar(
        domain, None, "cuánto pagaría si gano 15 mil pesos al mes", intent="cotizar"
    )
    assert result["ingreso_cotizacion"] == "15000.00 MXN"
    assert result["moneda_cotizacion"] == "MXN"
    assert messages == []  # Rasa's form sees the slot filled and ends: one message


@pytest.mark.parametrize("text", ["hazme una cotización", "calcula mi cuota", "cotiza 3 meses"])
async def test_activation_without_an_amount_asks_for_it(domain, text):
    result, messages = await validar(domain, None, text, intent="cotizar")
    assert "ingreso_cotizacion" not in result  # Rasa's form asks utter_ask_ingreso_cotizacion
    assert messages == []


async def test_form_restarted_by_the_action_does_not_reread_the_rejected_amount(domain):
    """After a 422, action_cotizar restarts the form: the old message must not loop."""
    t = en_formulario(FORM, None, "cuanto pagaria si gano 500 pesos", intent="cotizar")
    t.events.extend(
        [
            {"event": "action", "name": FORM},
            {"event": "action", "name": "action_cotizar"},
            {"event": "slot", "name": "ingreso_cotizacion", "value": None},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "action", "name": FORM},
        ]
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateCotizacionForm().run(dispatcher, t, domain)
    assert "ingreso_cotizacion" not in slots(events) and dispatcher.messages == []


async def test_answer_in_dollars_sets_currency(domain):
    result, messages = await validar(domain, "ingreso_cotizacion", "2,000 dólares")
    assert result["ingreso_cotizacion"] == "2000.00 USD"
    assert result["moneda_cotizacion"] == "USD"
    assert messages == []


async def test_answer_that_is_a_quote_request_is_not_a_digression(domain):
    result, messages = await validar(
        domain, "ingreso_cotizacion", "¿cuánto pago si gano 20 mil pesos?", intent="cotizar"
    )
    assert result["ingreso_cotizacion"] == "20000.00 MXN"
    assert responses(messages) == []


async def test_weekly_income_is_converted_and_said(domain):
    result, messages = await validar(domain, "ingreso_cotizacion", "gano 2000 dolares a la semana")
    assert result["ingreso_cotizacion"] == "8660.00 USD"
    assert responses(messages) == ["utter_ingreso_convertido"]
    texto = rellenar(messages[0], domain)
    assert "4.33" in texto and "$2,000.00 USD" in texto and "$8,660.00 USD" in texto


# The one income-period rule (bot.ingreso.leer_ingreso_mensual), same cases in the quote, the
# chat's registration and the console (tests/servicio/consola/test_cuentas_y_registros.py).
PERIODOS = [
    ("3000 dólares a la semana", 12990.0, "USD"),
    ("6000 pesos por quincena", 12000.0, "MXN"),
    ("180 mil pesos al año", 15000.0, "MXN"),
]


@pytest.mark.parametrize(("text", "amount", "currency"), PERIODOS)
async def test_income_per_period_is_quoted_per_month(domain, text, amount, currency):
    result, messages = await validar(domain, "ingreso_cotizacion", text)
    assert result["ingreso_cotizacion"] == f"{amount:.2f} {currency}"
    assert responses(messages) == ["utter_ingreso_convertido"]


async def test_daily_income_asks_for_the_month(domain):
    result, messages = await validar(domain, "ingreso_cotizacion", "gano 300 al dia")
    assert result["ingreso_cotizacion"] is None and result["moneda_cotizacion"] is None
    assert responses(messages) == ["utter_ingreso_no_mensual"]


@pytest.mark.parametrize(
    ("text", "fragmento"),
    [
        ("no se", "No encontré una cantidad"),
        ("entre 10 y 12 mil", "más de una cantidad"),
        ("2000 dolares o 30 mil pesos", "pesos o en dólares"),
    ],
)
async def test_invalid_income_gives_the_parser_error_with_example(domain, text, fragmento):
    result, messages = await validar(domain, "ingreso_cotizacion", text)
    assert result["ingreso_cotizacion"] is None
    assert fragmento in messages[0]["text"] and "Ejemplos" in messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "esperado"),
    [
        ("menú", ["utter_formulario_dejado", "utter_menu"]),
        ("ya no", ["utter_formulario_cancelado"]),
    ],
)
async def test_leaving_before_the_amount_says_so_and_ends_the_form(domain, text, esperado):
    result, messages = await validar(domain, "ingreso_cotizacion", text, intent="ayuda_menu")
    assert result["formulario_pausado"] is True and result["requested_slot"] is None
    assert responses(messages) == esperado
    assert "pendiente" not in result  # nothing given, nothing to resume


async def test_paused_quote_ends_without_asking_again():
    events, messages = await cotizar({"formulario_pausado": True})
    assert messages == [] and events == [SlotSet("formulario_pausado", False)]


async def test_starting_over_asks_the_amount_again(domain):
    result, messages = await validar(domain, "ingreso_cotizacion", "empezar de nuevo")
    assert responses(messages) == ["utter_formulario_reiniciado"]
    assert result["ingreso_cotizacion"] is None and "requested_slot" not in result


async def test_cancel_inside_the_form_clears_and_flags(domain):
    result, _ = await validar(domain, "ingreso_cotizacion", "cancelar", intent="cancelar")
    assert result["ingreso_cotizacion"] is None
    assert result["formulario_cancelado"] is True and result["requested_slot"] is None


# ------------------------------------------------------------------ the quote message
@pytest.mark.parametrize(
    ("ingreso", "moneda", "tc", "supuesto"),
    [
        (15000, "MXN", None, False),
        (5000, "MXN", None, False),
        (89155.6, "MXN", None, False),
        (300000, "MXN", None, False),
        (2000, "USD", 18.5, True),
        (2000, "USD", 17.25, False),
    ],
)
@pytest.mark.parametrize("fecha", [date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 15)])
def test_quote_text_fits_an_sms_and_says_what_it_must(ingreso, moneda, tc, supuesto, fecha):
    datos = cotizacion_json(ingreso, moneda, tc, fecha, supuesto)
    texto = texto_cotizacion(datos)
    assert len(texto) <= 320, (len(texto), texto)
    assert texto.startswith(f"Estimación para {'diciembre de 2026' if fecha.year == 2026 else ''}")
    assert " al mes si ganas " in texto and "de $" in texto
    assert "Cálculo de Orienta, no del IMSS." in texto
    assert texto.splitlines()[-1].startswith("Fuente:")
    if fecha.year == 2027:
        assert (
            f"{'enero' if fecha.month == 1 else 'febrero'} de 2027 con valores de 2026: de $"
            in (texto)
        )
    if moneda == "MXN" and ingreso < 9577:
        assert "mínimo de referencia" in texto
    if moneda == "MXN" and ingreso > 89156:
        assert "máximo de referencia" in texto
    if moneda == "USD":
        assert ("supuesto" in texto) == supuesto and ("el tuyo" in texto) == (not supuesto)


def test_quote_text_for_december_2026_and_january_2027():
    dic = texto_cotizacion(cotizacion_json(15000, fecha=date(2026, 12, 15)))
    ene = texto_cotizacion(cotizacion_json(15000, fecha=date(2027, 1, 15)))
    assert dic.startswith(
        "Estimación para diciembre de 2026: de $3,250 a $3,400 al mes si ganas $15,000 MXN."
    )
    assert "Principales: Retiro y vejez" in dic and "prima de riesgo de trabajo" in dic
    assert ene.startswith(
        "Estimación para enero de 2027 con valores de 2026: de $3,414 a $3,564 al mes"
    )
    assert "Tasa de cesantía 2027 por cotejar con el DOF; confírmalo con el IMSS." in ene


def test_quote_text_groups_by_insurance_biggest_first():
    variables = variables_cotizacion(cotizacion_json(15000))
    assert (variables["minimo"], variables["maximo"]) == ("$3,250", "$3,400")
    assert variables["partes"].startswith("Principales: Retiro y vejez $1,596; Enf. y maternidad")


def test_quote_in_dollars_shows_pesos_and_the_assumed_exchange_rate():
    variables = variables_cotizacion(cotizacion_json(2000, "USD", 18.5, supuesto=True))
    assert variables["ingreso"] == "$2,000 USD (≈$37,000 MXN a 18.50 por dólar, supuesto)"
    assert variables_tipo_cambio(cotizacion_json(2000, "USD", 18.5, supuesto=True)) == {
        "tipo_cambio": "18.50",
        "monto": "2,000",
        "ejemplo": "17.50",
    }
    propio = cotizacion_json(2000, "USD", 17.25)
    assert variables_cotizacion(propio)["ingreso"] == (
        "$2,000 USD (≈$34,500 MXN a 17.25 por dólar, el tuyo)"
    )
    assert variables_tipo_cambio(propio) is None


async def test_assumed_exchange_rate_is_said_and_how_to_give_yours(servicio, domain):
    body = cotizacion_json(2000, "USD", 18.5, supuesto=True)
    servicio.post("/v1/cotizaciones").respond(200, json=body)
    _, messages = await cotizar({"ingreso_cotizacion": "2000.00 USD", "moneda_cotizacion": "USD"})
    assert responses(messages) == [
        "utter_cotizacion_resultado",
        "utter_cotizacion_tipo_cambio",
        "utter_cotizacion_referencia",
    ]
    assert rellenar(messages[1], domain) == (
        "Usé un tipo de cambio supuesto: 18.50 pesos por dólar. Si el tuyo es otro, escríbelo "
        "así: cotiza 2,000 dólares a 17.50"
    )
    # and that message, written back, quotes with the person's rate
    result, _ = await validar(domain, "ingreso_cotizacion", "cotiza 2,000 dólares a 17.50")
    assert result["tipo_cambio_cotizacion"] == "17.50"


def test_domain_template_matches_the_code(domain):
    assert domain["responses"]["utter_cotizacion_resultado"][0]["text"] == PLANTILLA_COTIZACION


def test_the_imss_reference_is_the_one_in_the_rules(domain):
    texto = domain["responses"]["utter_cotizacion_referencia"][0]["text"]
    assert REFERENCIA_IMSS.removeprefix("En junio") in texto and CALCULADORA_IMSS in texto
    assert len(texto) <= 320


# ------------------------------------------------------------------ action_cotizar
async def test_quote_success_sends_the_estimate_then_the_imss_reference(servicio, domain):
    route = servicio.post("/v1/cotizaciones").respond(200, json=cotizacion_json(15000))
    events, messages = await cotizar(
        {"ingreso_cotizacion": "15000.00 MXN", "moneda_cotizacion": "MXN", "pendiente": FORM}
    )
    assert route.call_count == 1
    assert route.calls.last.request.content == b'{"ingreso_mensual":15000,"moneda":"MXN"}'
    assert responses(messages) == ["utter_cotizacion_resultado", "utter_cotizacion_referencia"]
    assert slots(events) == {
        "ingreso_cotizacion": None,
        "moneda_cotizacion": None,
        "tipo_cambio_cotizacion": None,
        "pendiente": None,
    }
    texto = rellenar(messages[0], domain)
    assert len(texto) <= 320 and "de $3,250 a $3,400 al mes" in texto


async def test_quote_success_keeps_another_flows_pending_retry(servicio):
    servicio.post("/v1/cotizaciones").respond(200, json=cotizacion_json(15000))
    events, _ = await cotizar({"ingreso_cotizacion": "15000.00 MXN", "pendiente": "registro_form"})
    assert "pendiente" not in slots(events)


async def test_quote_in_dollars_sends_usd(servicio):
    body = cotizacion_json(2000, "USD", 18.5, supuesto=True)
    route = servicio.post("/v1/cotizaciones").respond(200, json=body)
    await cotizar({"ingreso_cotizacion": "2000.00 USD", "moneda_cotizacion": "USD"})
    assert route.calls.last.request.content == b'{"ingreso_mensual":2000,"moneda":"USD"}'


async def test_quote_in_dollars_sends_the_persons_exchange_rate(servicio):
    route = servicio.post("/v1/cotizaciones").respond(200, json=cotizacion_json(2000, "USD", 17.5))
    await cotizar(
        {
            "ingreso_cotizacion": "2000.00 USD",
            "moneda_cotizacion": "USD",
            "tipo_cambio_cotizacion": "17.50",
        }
    )
    assert route.calls.last.request.content == (
        b'{"ingreso_mensual":2000,"moneda":"USD","tipo_cambio":17.5}'
    )


async def test_exchange_rate_in_the_message_is_kept_for_the_quote(domain):
    result, messages = await validar(
        domain, None, "cuanto pagaria si gano 2000 dolares a 17.50", intent="cotizar"
    )
    result, messages = await validar(domain, "ingreso_cotizacion", "2000 dólares a 17.50")
    assert result["ingreso_cotizacion"] == "2000.00 USD"
    assert result["tipo_cambio_cotizacion"] == "17.50"
    assert messages == []


async def test_quote_refused_by_the_service_gives_its_message_and_asks_again(servicio):
    mensaje = "El campo «tipo_cambio» debe ser menor o igual que 1000."
    servicio.post("/v1/cotizaciones").respond(
        422, json={"detail": [{"campo": "tipo_cambio", "mensaje": mensaje}]}
    )
    events, messages = await cotizar({"ingreso_cotizacion": "500.00 MXN"})
    assert responses(messages) == ["utter_cotizacion_invalida"]
    assert messages[0]["mensaje"] == mensaje
    assert slots(events) == {
        "ingreso_cotizacion": None,
        "moneda_cotizacion": None,
        "tipo_cambio_cotizacion": None,
    }
    assert events[-1] == FollowupAction(FORM)


@pytest.mark.parametrize(
    "falla",
    [httpx.Response(503), httpx.Response(500), httpx.ConnectError("caido")],
)
async def test_quote_service_down_keeps_the_amount_and_offers_retry(servicio, falla):
    servicio.post("/v1/cotizaciones").mock(side_effect=[falla, falla])
    events, messages = await cotizar(
        {"ingreso_cotizacion": "15000.00 MXN", "moneda_cotizacion": "MXN"}
    )
    assert responses(messages) == ["utter_servicio_caido_reintentar"]
    assert events == [SlotSet("pendiente", FORM)]


async def test_quote_cancelled(servicio):
    route = servicio.post("/v1/cotizaciones")
    events, messages = await cotizar(
        {"formulario_cancelado": True, "ingreso_cotizacion": None, "pendiente": FORM}
    )
    assert responses(messages) == ["utter_formulario_cancelado"]
    assert slots(events) == {
        "ingreso_cotizacion": None,
        "moneda_cotizacion": None,
        "tipo_cambio_cotizacion": None,
        "formulario_cancelado": False,
        "pendiente": None,
    }
    assert route.call_count == 0


async def test_quote_without_amount_restarts_the_form(servicio):
    events, messages = await cotizar({"ingreso_cotizacion": None})
    assert messages == [] and events[-1] == FollowupAction(FORM)


async def test_no_income_in_logs(servicio, caplog, domain):
    caplog.set_level(logging.DEBUG)
    servicio.post("/v1/cotizaciones").mock(
        side_effect=[
            httpx.Response(200, json=cotizacion_json(15432.1)),
            httpx.Response(503),
            httpx.Response(503),
        ]
    )
    await validar(domain, None, "cuanto pagaria si gano 15432.10 pesos", intent="cotizar")
    await cotizar({"ingreso_cotizacion": "15432.10 MXN"})
    await cotizar({"ingreso_cotizacion": "15432.10 MXN"})
    assert caplog.records
    texto = "\n".join(r.getMessage() for r in caplog.records)
    for secreto in ("15432", "15,432"):
        assert secreto not in texto


# ------------------------------------------------------------------ against the real service
async def test_quote_against_the_real_service(servicio_real, monkeypatch):
    client = servicio_real

    monkeypatch.setattr(cotizacion, "cliente", lambda: client)
    try:
        for ingreso in ("15000.00 MXN", "2000.00 USD", "500.00 MXN", "500000.00 MXN"):
            events, messages = await cotizar({"ingreso_cotizacion": ingreso})
            assert responses(messages) == [
                "utter_cotizacion_resultado",
                *(["utter_cotizacion_tipo_cambio"] if "USD" in ingreso else []),
                "utter_cotizacion_referencia",
            ], messages
            variables = {k: v for k, v in messages[0].items() if isinstance(v, str)}
            texto = PLANTILLA_COTIZACION.format_map(variables)
            assert len(texto) <= 320
            if ingreso == "500.00 MXN":
                assert "mínimo de referencia" in texto
            if ingreso == "2000.00 USD":
                assert "supuesto" in texto
    finally:
        await client.aclose()


def test_parse_error_is_a_validation_error():
    with pytest.raises(ErrorValidacion):
        leer_ingreso_mensual("nada")
