"""Registration form: every validator branch, the shared form behaviour, and the submission."""

import json
import logging

import httpx
import pytest
import respx
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import registro
from actions.api.inscripcion import AjustesCliente, ClienteServicio
from actions.registro import (
    ActionAskCiudad,
    ActionAskRegistroConfirmado,
    ActionAskTelefono,
    ActionCancelar,
    ActionContinuar,
    ActionCorregir,
    ActionFinalizarRegistro,
    ActionSessionStart,
    ValidateRegistroForm,
)
from tests.actions.trackers import en_formulario, responses, slots, tracker

FORM = "registro_form"
CURP = "GOCR850312HJCMRR00"
BASE = "http://enrollment.test"
TELEFONO_TWILIO = {"telefono": "+13125551234", "canal": "whatsapp"}
DATOS = {
    "consentimiento": True,
    "consentimiento_en": "2026-11-23T14:00:00+00:00",
    "curp": CURP,
    "curp_confirmada": True,
    "curp_nacimiento": "12 de marzo de 1985",
    "curp_sexo": "hombre",
    "curp_estado": "Jalisco",
    "nombre": "Carlos Gómez Ruiz",
    "email": "carlos.gomez@example.com",
    "telefono": "+13125551234",
    "ciudad": "Chicago, IL",
    "pais": "Estados Unidos",
    "ocupacion": "Carpintero",
    "ingreso_mensual": 15000.0,
    "moneda": "MXN",
    "nss": "12345678903",
    "domicilio_estado": "Jalisco",
    "domicilio_municipio": "Zapopan",
    "domicilio_cp": "45010",
    "domicilio_colonia": "Centro",
    "recordatorios": True,
    "registro_confirmado": True,
}
REGISTRO_OK = {
    "folio": "ORI-2026-000123",
    "estado": "pendiente_pago",
    "monto_mensual": "2255.26",
    "que_es": "Solicitud de prerregistro para la ventanilla de documentación del consulado...",
}


async def answer(domain, requested, text, intent="nlu_fallback", confidence=1.0, **kw):
    """Runs the form's validation action on `text` as the answer to `requested`."""
    dispatcher = CollectingDispatcher()
    t = en_formulario(FORM, requested, text, intent, confidence=confidence, **kw)
    events = await ValidateRegistroForm().run(dispatcher, t, domain)
    return slots(events), dispatcher.messages


# ------------------------------------------------------------------ consent
@pytest.mark.parametrize("text", ["1", "si", "Sí, acepto", "/afirmar"])
async def test_consent_yes_records_when(domain, text):
    result, _ = await answer(domain, "consentimiento", text)
    assert result["consentimiento"] is True and result["consentimiento_en"]


async def test_consent_no_asks_nothing_else(domain):
    result, _ = await answer(domain, "consentimiento", "2")
    assert result["consentimiento"] is False
    t = tracker([], {"consentimiento": False})
    wanted = await ValidateRegistroForm().required_slots(
        registro.PREGUNTAS, CollectingDispatcher(), t, domain
    )
    assert wanted == ["consentimiento"]


async def test_unclear_consent_is_asked_again(domain):
    result, messages = await answer(domain, "consentimiento", "mmm pues")
    assert result["consentimiento"] is None
    assert responses(messages) == ["utter_responde_si_no"]


# ------------------------------------------------------------------ CURP
async def test_valid_curp_derives_birth_data(domain):
    result, _ = await answer(domain, "curp", CURP.lower())
    assert result["curp"] == CURP
    assert result["curp_nacimiento"] == "12 de marzo de 1985"
    assert result["curp_sexo"] == "hombre"
    assert result["curp_estado"] == "Jalisco"


async def test_invalid_curp_gets_a_specific_error_with_an_example(domain):
    result, messages = await answer(domain, "curp", "GOCR850312")
    assert result["curp"] is None
    assert "CURP" in messages[0]["text"] and "Ejemplo" in messages[0]["text"]


async def test_curp_data_not_confirmed_asks_the_curp_again(domain):
    result, messages = await answer(
        domain, "curp_confirmada", "no", slots={"curp": CURP, "curp_nacimiento": "x"}
    )
    assert result["curp"] is None and result["curp_nacimiento"] is None
    assert responses(messages) == ["utter_curp_no_coincide"]


# ------------------------------------------------------------------ simple answers
@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("nombre", "carlos gomez ruiz", "Carlos Gomez Ruiz"),
        ("email", "Carlos.Gomez@Example.com", "Carlos.Gomez@example.com"),
        ("telefono", "(312) 555-1234", "+13125551234"),
        ("ocupacion", "carpintero", "Carpintero"),
    ],
)
async def test_valid_answers_are_normalised(domain, slot, text, expected):
    result, messages = await answer(domain, slot, text)
    assert result[slot] == expected and messages == []


@pytest.mark.parametrize(
    ("slot", "text"),
    [("nombre", "Carlos"), ("email", "carlos@"), ("telefono", "555"), ("ocupacion", "1234")],
)
async def test_invalid_answers_get_their_own_error(domain, slot, text):
    result, messages = await answer(domain, slot, text)
    assert result[slot] is None
    assert messages[0]["text"] and "Ej" in messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("12000", 12000.0, "MXN"),
        ("15 mil pesos", 15000.0, "MXN"),
        ("$2,000 dólares", 2000.0, "USD"),
    ],
)
async def test_income_in_words_and_currencies(domain, text, amount, currency):
    result, _ = await answer(domain, "ingreso_mensual", text)
    assert (result["ingreso_mensual"], result["moneda"]) == (amount, currency)


async def test_weekly_income_is_recorded_per_month_and_said_out_loud(domain):
    result, messages = await answer(domain, "ingreso_mensual", "3000 dólares a la semana")
    assert (result["ingreso_mensual"], result["moneda"]) == (12990.0, "USD")  # × 4.33
    assert [m.get("response") for m in messages] == ["utter_ingreso_convertido"]
    assert messages[0]["periodo"] == "a la semana"


# The one income-period rule (bot.ingreso.leer_ingreso_mensual), same cases in the quote, the
# chat's registration and the console (tests/servicio/consola/test_cuentas_y_registros.py).
PERIODOS = [
    ("3000 dólares a la semana", 12990.0, "USD"),
    ("6000 pesos por quincena", 12000.0, "MXN"),
    ("180 mil pesos al año", 15000.0, "MXN"),
]


@pytest.mark.parametrize(("text", "amount", "currency"), PERIODOS)
async def test_income_per_period_is_recorded_per_month(domain, text, amount, currency):
    result, messages = await answer(domain, "ingreso_mensual", text)
    assert (result["ingreso_mensual"], result["moneda"]) == (amount, currency)
    assert [m.get("response") for m in messages] == ["utter_ingreso_convertido"]


async def test_income_per_day_asks_for_the_month(domain):
    result, messages = await answer(domain, "ingreso_mensual", "gano 300 dolares al dia")
    assert result["ingreso_mensual"] is None
    assert "ingreso al mes" in messages[0]["text"]


async def test_income_without_a_number_is_explained(domain):
    result, messages = await answer(domain, "ingreso_mensual", "poquito")
    assert result["ingreso_mensual"] is None and "Ejemplos" in messages[0]["text"]


# ------------------------------------------------------------------ phone prefilled by the channel
async def test_channel_phone_is_offered_and_confirmed(domain):
    dispatcher = CollectingDispatcher()
    t = en_formulario(FORM, "telefono", "x", metadata=TELEFONO_TWILIO)
    await ActionAskTelefono().run(dispatcher, t, domain)
    assert dispatcher.messages[0]["response"] == "utter_confirmar_telefono"
    assert dispatcher.messages[0]["telefono_canal"] == "+13125551234"
    result, _ = await answer(domain, "telefono", "1", metadata=TELEFONO_TWILIO)
    assert result["telefono"] == "+13125551234"


async def test_other_phone_than_the_channel_one(domain):
    result, _ = await answer(domain, "telefono", "2", metadata=TELEFONO_TWILIO)
    assert result["telefono"] is None and result["otro_telefono"] is True
    result, _ = await answer(domain, "telefono", "+52 55 1234 5678", metadata=TELEFONO_TWILIO)
    assert result["telefono"] == "+525512345678"


async def test_without_a_channel_phone_it_is_simply_asked(domain):
    dispatcher = CollectingDispatcher()
    await ActionAskTelefono().run(dispatcher, en_formulario(FORM, "telefono", "x"), domain)
    assert responses(dispatcher.messages) == ["utter_ask_telefono"]


# ------------------------------------------------------------------ where they live
async def test_us_city_fills_country_and_consulate(domain):
    result, _ = await answer(domain, "ciudad", "chicaco, illinois")
    assert result["ciudad"] == "Chicago, IL" and result["pais"] == "Estados Unidos"
    assert result["consulado"] == "Chicago, IL"


async def test_country_only_then_the_city_in_it(domain):
    result, _ = await answer(domain, "ciudad", "Canadá")
    assert result["ciudad"] is None and result["pais"] == "Canadá"
    dispatcher = CollectingDispatcher()
    await ActionAskCiudad().run(dispatcher, tracker([], {"pais": "Canadá"}), domain)
    assert responses(dispatcher.messages) == ["utter_ask_ciudad_en_pais"]


async def test_unknown_country_is_asked_again(domain):
    result, messages = await answer(domain, "pais", "no se")
    assert result["pais"] is None and responses(messages) == ["utter_pais_invalido"]


# ------------------------------------------------------------------ summary
async def test_summary_yes_confirms(domain):
    result, _ = await answer(domain, "registro_confirmado", "1", slots=DATOS)
    assert result["registro_confirmado"] is True


async def test_summary_option_2_asks_which_answer(domain):
    result, messages = await answer(domain, "registro_confirmado", "2", slots=DATOS)
    assert result["registro_confirmado"] is None and result["corrigiendo"] is True
    assert responses(messages) == ["utter_corregir_cual"]


async def test_after_which_answer_a_number_clears_that_answer(domain):
    result, _ = await answer(
        domain, "registro_confirmado", "3", slots={**DATOS, "corrigiendo": True}
    )
    assert result["email"] is None and result["registro_confirmado"] is None
    assert result["corrigiendo"] is False and "nombre" not in result


async def test_summary_option_3_cancels(domain):
    result, _ = await answer(domain, "registro_confirmado", "3", slots=DATOS)
    assert result["formulario_cancelado"] is True and result["requested_slot"] is None
    assert result["curp"] is None and result["email"] is None


# ------------------------------------------------------------------ shared form behaviour
@pytest.mark.parametrize("text", ["cancelar", "Olvídalo", "/cancelar"])
async def test_cancel_mid_form_forgets_the_answers_and_ends_the_form(domain, text):
    result, _ = await answer(domain, "email", text, slots=DATOS | {"email": None})
    assert result["formulario_cancelado"] is True and result["requested_slot"] is None
    assert all(result[s] is None for s in ("curp", "nombre", "curp_nacimiento", "telefono"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("menú", "ayuda_menu"),
        ("MENU", "nlu_fallback"),
        ("salir", "cancelar"),
        ("ya no", "negar"),
        ("Ya no quiero", "cancelar"),
        ("mejor luego", "faq/pago_cuanto_cuesta"),  # misread by the model: the text decides
    ],
)
async def test_menu_or_leaving_mid_form_pauses_it_and_keeps_the_answers(domain, text, intent):
    result, messages = await answer(
        domain, "email", text, intent, confidence=0.9, slots=DATOS | {"email": None}
    )
    assert result["formulario_pausado"] is True and result["requested_slot"] is None
    assert result["email"] is None  # the pause word is not an e-mail
    assert not {"curp", "nombre", "consentimiento"} & result.keys()  # kept
    assert "formulario_cancelado" not in result
    assert "pendiente" not in result  # a half-done registration resumes by its answers
    esperado = ["utter_prerregistro_pausado"] + (["utter_menu"] if "men" in text.lower() else [])
    assert responses(messages) == esperado


@pytest.mark.parametrize(
    ("text", "esperado"),
    [
        ("menú", ["utter_formulario_dejado", "utter_menu"]),
        ("salir", ["utter_formulario_cancelado"]),
    ],
)
async def test_leaving_before_any_answer_says_nothing_was_kept(domain, text, esperado):
    result, messages = await answer(domain, "consentimiento", text, "ayuda_menu")
    assert result["formulario_pausado"] is True and result["requested_slot"] is None
    assert responses(messages) == esperado


async def test_a_paused_registration_ends_quietly_and_resumes_with_continuar(domain, servicio):
    pausado = {**DATOS, "email": None, "registro_confirmado": None, "formulario_pausado": True}
    events, messages = await finalizar(domain, pausado)
    assert messages == [] and events == [SlotSet("formulario_pausado", False)]
    assert not servicio.calls  # nothing submitted
    events, _ = await run(ActionContinuar(), domain, {**pausado, "formulario_pausado": False})
    assert events == [FollowupAction("registro_form")]


@pytest.mark.parametrize(
    "text", ["empezar de nuevo", "Volver a empezar", "quiero empezar desde cero"]
)
async def test_starting_over_clears_the_answers_and_asks_the_first_question(domain, text):
    result, messages = await answer(
        domain, "ocupacion", text, "ayuda_menu", slots=DATOS | {"ocupacion": None}
    )
    assert responses(messages) == ["utter_formulario_reiniciado"]
    assert all(result[s] is None for s in ("consentimiento", "consentimiento_en", "curp", "email"))
    assert result["curp_nacimiento"] is None and result["moneda"] is None
    # The form goes on (no requested_slot = None): Rasa asks its first empty slot, the consent.
    assert "requested_slot" not in result
    assert registro.PREGUNTAS[0] == "consentimiento"
    assert "formulario_cancelado" not in result and "formulario_pausado" not in result


@pytest.mark.parametrize("text", ["opción 3", "3.", "la tres"])
async def test_summary_option_3_in_other_words_cancels(domain, text):
    result, _ = await answer(domain, "registro_confirmado", text, slots=DATOS)
    assert result["formulario_cancelado"] is True and result["curp"] is None


async def test_a_sentence_naming_a_field_at_the_summary_is_not_a_correction(domain):
    result, messages = await answer(
        domain, "registro_confirmado", "todo bien con mi nombre", slots=DATOS
    )
    assert result == {"registro_confirmado": None}
    assert responses(messages) == ["utter_responde_resumen"]


# ------------------------------------------------------------------ corrections
async def test_a_name_with_the_word_nombre_does_not_loop_into_which_answer(domain):
    """Regression: "Mi nombre es …" read as `corregir` asked "¿Qué dato quieres corregir?", then
    the name again, for ever. Played turn by turn until the name is kept (or 4 turns)."""
    valores = {k: DATOS[k] for k in ("consentimiento", "curp", "curp_confirmada")}
    pedido, dichos = "nombre", []
    for _ in range(4):
        if valores.get("nombre"):
            break
        texto = "2" if valores.get("corrigiendo") else "Mi nombre es Juan Nombre Pérez"
        result, messages = await answer(
            domain, pedido, texto, "corregir", confidence=0.93, slots=dict(valores)
        )
        valores.update(result)
        dichos += responses(messages)
        pedido = valores.get("requested_slot") or pedido
    assert valores["nombre"] == "Juan Nombre Pérez"
    assert dichos == []


async def test_an_answer_while_picking_what_to_correct_is_taken_and_ends_the_picking(domain):
    result, messages = await answer(
        domain, "nombre", "Mi nombre es Juan Pérez", "corregir", slots={"corrigiendo": True}
    )
    assert result["nombre"] == "Juan Pérez" and result["corrigiendo"] is False
    assert messages == []


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("email", "juan.error@gmail.com", "juan.error@gmail.com"),
        ("ocupacion", "mi trabajo es corregir textos", "Corregir textos"),
        ("ocupacion", "arreglar casas", "Arreglar casas"),
        ("ingreso_mensual", "gano 15 mil, a veces cambia", 15000.0),
    ],
)
async def test_an_answer_with_a_correction_word_is_an_answer(domain, slot, text, expected):
    result, messages = await answer(domain, slot, text, "corregir", confidence=0.9)
    assert result[slot] == expected
    assert not {"utter_corregir_cual", "utter_corregir_campo"} & set(responses(messages))


async def test_an_explicit_correction_still_works_while_free_text_is_asked(domain):
    result, messages = await answer(
        domain,
        "ocupacion",
        "quiero corregir mi nombre",
        "corregir",
        slots=DATOS | {"ocupacion": None},
    )
    assert result["nombre"] is None and result["ocupacion"] is None
    assert messages[0]["response"] == "utter_corregir_campo" and messages[0]["campo"] == "nombre"


async def test_no_to_a_yes_no_question_is_not_a_correction(domain):
    result, messages = await answer(
        domain, "curp_confirmada", "está mal", "corregir", slots={"curp": CURP}
    )
    assert result["curp"] is None  # the CURP is asked again, as for any "no"
    assert responses(messages) == ["utter_curp_no_coincide"]


async def test_correction_clears_that_answer_and_the_pending_one(domain):
    result, messages = await answer(
        domain, "ocupacion", "me equivoque en el correo", slots=DATOS | {"ocupacion": None}
    )
    assert result["email"] is None and result["ocupacion"] is None
    assert "nombre" not in result  # the other answers stay
    assert messages[0]["response"] == "utter_corregir_campo" and messages[0]["campo"] == "correo"


async def test_correction_of_the_curp_also_clears_what_was_derived_from_it(domain):
    result, _ = await answer(domain, "email", "corregir curp", slots=DATOS | {"email": None})
    assert result["curp"] is None and result["curp_confirmada"] is None


async def test_a_question_mid_form_is_answered_and_the_form_asks_again(domain):
    result, messages = await answer(
        domain, "email", "cuanto cuesta?", intent="faq/pago_cuanto_cuesta", confidence=0.9
    )
    assert responses(messages) == ["utter_faq/pago_cuanto_cuesta"]
    assert result["email"] is None and result["ultimo_tema"] == "pago_cuanto_cuesta"


async def test_asking_for_a_person_mid_form_says_how(domain):
    _, messages = await answer(
        domain, "nombre", "puedo hablar con una persona?", intent="pedir_humano"
    )
    assert responses(messages) == ["utter_promotor_en_formulario"]


async def test_a_name_is_not_mistaken_for_a_question(domain):
    result, messages = await answer(
        domain, "nombre", "Maria Lopez", intent="saludo", confidence=0.95
    )
    assert result["nombre"] == "Maria Lopez" and messages == []


async def test_an_unsure_question_is_not_called_an_invalid_answer(domain):
    result, messages = await answer(
        domain, "curp", "que es la curp?", intent="costo", confidence=0.3
    )
    assert result["curp"] is None
    assert responses(messages) == ["utter_pregunta_en_formulario"]


async def test_summary_is_not_repeated_right_after_which_answer(domain):
    dispatcher = CollectingDispatcher()
    await ActionAskRegistroConfirmado().run(
        dispatcher, tracker([], {**DATOS, "corrigiendo": True}), domain
    )
    assert dispatcher.messages == []
    await ActionAskRegistroConfirmado().run(dispatcher, tracker([], DATOS), domain)
    assert responses(dispatcher.messages) == ["utter_resumen_registro"]


def test_consent_text_says_who_holds_and_sees_the_data_and_links_the_notice(domain):
    (texto,) = [r["text"] for r in domain["responses"]["utter_ask_consentimiento"]]
    assert "equipo de Orienta" in texto and "promotores de tu consulado" in texto
    assert "no los enviamos al IMSS" in texto and "{aviso_url}" in texto
    assert texto.count("Para salir, escribe MENÚ.") == 1
    assert len(texto.replace("{aviso_url}", "https://orienta.example.org/privacidad")) <= 380


# ------------------------------------------------------------------ NSS and Mexican address
async def test_nss_is_validated(domain):
    result, messages = await answer(domain, "nss", "1234567890-3")
    assert result["nss"] == "12345678903" and messages == []
    result, messages = await answer(domain, "nss", "12345678901")
    assert result["nss"] is None and "verificador" in messages[0]["text"]


@pytest.mark.parametrize("text", ["NO LO TENGO", "no lo tengo", "no"])
async def test_without_nss_the_next_step_says_how_to_get_it(domain, text):
    result, messages = await answer(domain, "nss", text)
    assert result["nss"] is False
    assert responses(messages) == ["utter_nss_como_obtenerlo"]
    (explica,) = [r["text"] for r in domain["responses"]["utter_nss_como_obtenerlo"]]
    assert "www.imss.gob.mx/tramites/imss02008" in explica and "CURP" in explica


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("domicilio_estado", "michoacan", "Michoacán"),
        ("domicilio_estado", "CDMX", "Ciudad de México"),
        ("domicilio_municipio", "zapopan", "Zapopan"),
        ("domicilio_cp", "CP 45010", "45010"),
        ("domicilio_colonia", "centro", "Centro"),
    ],
)
async def test_mexican_address_answers(domain, slot, text, expected):
    result, messages = await answer(domain, slot, text)
    assert result[slot] == expected and messages == []


@pytest.mark.parametrize(
    ("slot", "text"),
    [("domicilio_estado", "Texas"), ("domicilio_cp", "4501"), ("domicilio_colonia", "12")],
)
async def test_bad_address_answers_are_explained_with_an_example(domain, slot, text):
    result, messages = await answer(domain, slot, text)
    assert result[slot] is None and "Ej" in messages[0]["text"]


def test_only_the_first_question_says_how_to_leave(domain):
    orden = domain["forms"]["registro_form"]["required_slots"]
    assert orden.index("nss") == orden.index("curp_confirmada") + 1
    assert orden.index("domicilio_estado") == orden.index("pais") + 1
    for slot in ("nss", *registro.DOMICILIO, "recordatorios"):
        (texto,) = [r["text"] for r in domain["responses"][f"utter_ask_{slot}"]]
        assert "MENÚ" not in texto, slot
    assert "NO LO TENGO" in domain["responses"]["utter_ask_nss"][0]["text"]


async def test_correcting_the_postal_code_clears_only_it(domain):
    valores = {k: v for k, v in DATOS.items() if k != "registro_confirmado"}
    result, messages = await answer(
        domain, "registro_confirmado", "quiero corregir el código postal", slots=valores
    )
    assert result["domicilio_cp"] is None and result["registro_confirmado"] is None
    assert "domicilio_colonia" not in result and "domicilio_estado" not in result
    assert messages[0]["campo"] == "código postal"


async def test_correcting_the_address_asks_all_of_it_again(domain):
    valores = {k: v for k, v in DATOS.items() if k != "registro_confirmado"}
    result, _ = await answer(
        domain, "registro_confirmado", "9", slots={**valores, "corrigiendo": True}
    )
    assert all(result[s] is None for s in registro.DOMICILIO), result


async def test_summary_shows_the_nss_and_the_address(domain):
    dispatcher = CollectingDispatcher()
    sin_nss = {**DATOS, "nss": False}
    await ActionAskRegistroConfirmado().run(dispatcher, tracker([], sin_nss), domain)
    (resumen,) = dispatcher.messages
    assert resumen["domicilio"] == "Col. Centro, CP 45010, Zapopan, Jalisco"
    assert resumen["nss_resumen"] == "no lo tienes todavía"


# ------------------------------------------------------------------ reminders
@pytest.mark.parametrize(("text", "expected"), [("1", True), ("sí", True), ("2", False)])
async def test_reminder_question_takes_yes_or_no(domain, text, expected):
    result, messages = await answer(domain, "recordatorios", text)
    assert result["recordatorios"] is expected and messages == []


async def test_unclear_reminder_answer_is_asked_again(domain):
    result, messages = await answer(domain, "recordatorios", "depende del mes")
    assert result["recordatorios"] is None
    assert responses(messages) == ["utter_responde_si_no"]


async def test_reminder_is_asked_before_the_summary_and_shown_in_it(domain):
    orden = domain["forms"]["registro_form"]["required_slots"]
    assert orden.index("ingreso_mensual") < orden.index("recordatorios")
    assert orden.index("recordatorios") == orden.index("registro_confirmado") - 1
    pregunta = domain["responses"]["utter_ask_recordatorios"][0]
    assert "recordemos cada mes la fecha de pago" in pregunta["text"]
    # Yes/No are buttons (SMS/WhatsApp number them), never repeated in the text.
    assert [b["payload"] for b in pregunta["buttons"]] == ["/afirmar", "/negar"]
    dispatcher = CollectingDispatcher()
    await ActionAskRegistroConfirmado().run(dispatcher, tracker([], DATOS), domain)
    assert dispatcher.messages[0]["recordatorio"] == "Sí"


# ------------------------------------------------------------------ submission
@pytest.fixture
def servicio(monkeypatch):
    client = ClienteServicio(AjustesCliente(base_url=BASE, api_key="k", timeout_s=1.0))
    monkeypatch.setattr(registro, "cliente", lambda: client)
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


async def finalizar(domain, valores, sender="prueba"):
    dispatcher = CollectingDispatcher()
    t = tracker([], valores)
    t.sender_id = sender
    events = await ActionFinalizarRegistro().run(dispatcher, t, domain)
    return events, dispatcher.messages


async def test_submission_gives_folio_amount_and_next_steps_no_reference(domain, servicio, caplog):
    route = servicio.post("/v1/registros").mock(return_value=httpx.Response(201, json=REGISTRO_OK))
    caplog.set_level(logging.DEBUG)
    events, messages = await finalizar(domain, DATOS)
    body = json.loads(route.calls.last.request.content)
    assert body["curp"] == CURP and body["ingreso_mensual"] == "15000.0"
    assert body["estado_nacimiento"] == "JC" and body["ciudad_residencia"] == "Chicago, IL"
    assert body["nss"] == "12345678903" and body["domicilio_cp"] == "45010"
    assert body["domicilio_estado"] == "Jalisco" and body["domicilio_colonia"] == "Centro"
    enviado = messages[0]
    assert enviado["response"] == "utter_registro_enviado"
    assert enviado["folio"] == "ORI-2026-000123" and enviado["monto"] == "$2,255.26 MXN"
    assert "referencia" not in enviado and "vence" not in enviado
    assert responses(messages)[1] == "utter_registro_siguientes_pasos"
    confirmacion = domain["responses"]["utter_registro_enviado"][0]["text"]
    pasos = domain["responses"]["utter_registro_siguientes_pasos"][0]["text"]
    assert "Todavía no es tu alta en el IMSS" in confirmacion
    assert "Solo ese sistema te da tu línea de captura" in pasos
    assert "una fuente dice el 15" in pasos  # the ⚠ deadline keeps its hedge
    result = slots(events)
    assert result["folio"] == "ORI-2026-000123"
    assert all(result[s] is None for s in registro.DATOS_REGISTRO)
    logged = caplog.text
    assert CURP not in logged and "carlos.gomez" not in logged and "15000" not in logged


async def test_web_submission_sends_the_reminder_opt_in_and_the_conversation(domain, servicio):
    route = servicio.post("/v1/registros").mock(return_value=httpx.Response(201, json=REGISTRO_OK))
    await finalizar(domain, DATOS, sender="web-abc123")
    body = json.loads(route.calls.last.request.content)
    assert body["recordatorios"] is True
    assert body["canal"] == "web" and body["direccion_canal"] == "web-abc123"


async def test_twilio_submission_sends_the_phone_as_the_channel_address(domain, servicio):
    route = servicio.post("/v1/registros").mock(return_value=httpx.Response(201, json=REGISTRO_OK))
    valores = {**DATOS, "recordatorios": False, "session_started_metadata": TELEFONO_TWILIO}
    await finalizar(domain, valores)
    body = json.loads(route.calls.last.request.content)
    assert body["recordatorios"] is False
    assert body["canal"] == "whatsapp" and body["direccion_canal"] == "+13125551234"


async def test_without_nss_the_body_has_none(domain, servicio):
    route = servicio.post("/v1/registros").mock(return_value=httpx.Response(201, json=REGISTRO_OK))
    await finalizar(domain, {**DATOS, "nss": False})
    assert json.loads(route.calls.last.request.content)["nss"] is None


async def test_same_data_twice_uses_the_same_idempotency_key(domain, servicio):
    route = servicio.post("/v1/registros").mock(return_value=httpx.Response(201, json=REGISTRO_OK))
    await finalizar(domain, DATOS)
    await finalizar(domain, DATOS)
    keys = {call.request.headers["Idempotency-Key"] for call in route.calls}
    assert len(keys) == 1
    await finalizar(domain, DATOS, sender="otra-conversacion")
    keys = {call.request.headers["Idempotency-Key"] for call in route.calls}
    assert len(keys) == 2


async def test_an_existing_curp_reveals_nothing_and_says_how_to_reach_it(domain, servicio):
    """Issue 16: registering again with someone's CURP showed their folio and fee."""
    mensaje = "Ya hay un prerregistro abierto con esta CURP."
    servicio.post("/v1/registros").mock(
        return_value=httpx.Response(409, json={"detail": [{"campo": "curp", "mensaje": mensaje}]})
    )
    events, messages = await finalizar(domain, DATOS)
    assert responses(messages) == ["utter_registro_ya_existia"]
    assert not any(m.get("folio") or m.get("monto") for m in messages)
    result = slots(events)
    assert result.get("folio") is None
    assert all(result[s] is None for s in registro.DATOS_REGISTRO)
    (texto,) = [r["text"] for r in domain["responses"]["utter_registro_ya_existia"]]
    assert "{folio}" not in texto and "{monto}" not in texto
    assert "PROMOTOR" in texto and "código" in texto and len(texto) <= 320


async def test_service_down_keeps_the_data_and_offers_to_retry(domain, servicio):
    servicio.post("/v1/registros").mock(side_effect=httpx.ConnectError("caído"))
    events, messages = await finalizar(domain, DATOS)
    assert responses(messages) == ["utter_servicio_caido_reintentar"]
    assert events == [SlotSet("pendiente", "registro_form")]


async def test_fields_the_service_rejects_are_asked_again(domain, servicio):
    error = {"detail": [{"campo": "email", "mensaje": "El dominio del correo no existe."}]}
    servicio.post("/v1/registros").mock(return_value=httpx.Response(422, json=error))
    events, messages = await finalizar(domain, DATOS)
    assert messages[0]["text"] == "El dominio del correo no existe."
    result = slots(events)
    assert result == {"email": None, "registro_confirmado": None}
    assert events[-1] == FollowupAction("registro_form")


async def test_cancelled_form_forgets_everything(domain, servicio):
    events, messages = await finalizar(domain, {**DATOS, "formulario_cancelado": True})
    assert responses(messages) == ["utter_prerregistro_cancelado"]
    result = slots(events)
    assert result["formulario_cancelado"] is False and result["curp"] is None
    assert not servicio.calls


async def test_no_consent_says_what_is_still_possible(domain, servicio):
    events, messages = await finalizar(domain, {"consentimiento": False})
    assert responses(messages) == ["utter_sin_consentimiento"]
    assert events == [SlotSet("consentimiento", None)]
    assert not servicio.calls


# ------------------------------------------------------------------ outside the form
async def run(action_obj, domain, valores, text="continuar", intent="continuar"):
    dispatcher = CollectingDispatcher()
    t = en_formulario(FORM, None, text, intent, slots=valores)
    events = await action_obj.run(dispatcher, t, domain)
    return events, responses(dispatcher.messages)


async def test_retry_goes_back_to_the_pending_form(domain):
    events, _ = await run(ActionContinuar(), domain, {"pendiente": "registro_form"})
    assert events == [FollowupAction("registro_form")]


async def test_continue_resumes_a_half_done_registration(domain):
    events, _ = await run(ActionContinuar(), domain, {"consentimiento": True, "curp": CURP})
    assert events == [FollowupAction("registro_form")]


async def test_continue_with_nothing_pending(domain):
    events, said = await run(ActionContinuar(), domain, {})
    assert events == [] and said == ["utter_nada_pendiente"]


async def test_cancel_outside_the_form_drops_a_half_done_registration(domain):
    events, said = await run(ActionCancelar(), domain, {"consentimiento": True, "curp": CURP})
    assert said == ["utter_prerregistro_cancelado"] and slots(events)["curp"] is None
    events, said = await run(ActionCancelar(), domain, {})
    assert said == ["utter_nada_que_cancelar"] and events == []


async def test_correction_outside_the_form_reopens_it_at_that_answer(domain):
    valores = {"consentimiento": True, "email": "x@y.com", "registro_confirmado": True}
    events, said = await run(
        ActionCorregir(), domain, valores, "me equivoque en el correo", "corregir"
    )
    assert slots(events)["email"] is None and slots(events)["registro_confirmado"] is None
    assert events[-1] == FollowupAction("registro_form") and said == ["utter_corregir_campo"]
    events, said = await run(ActionCorregir(), domain, {"folio": "F"}, "corregir", "corregir")
    assert said == ["utter_corregir_enviado"]


async def test_new_session_keeps_answers_but_not_the_pending_question(domain):
    dispatcher = CollectingDispatcher()
    t = tracker([], {"consentimiento": True, "curp": CURP, "requested_slot": "email"})
    events = await ActionSessionStart().run(dispatcher, t, domain)
    assert events[0]["event"] == "session_started" and events[-1]["event"] == "action"
    assert slots(events) == {"consentimiento": True, "curp": CURP}
    assert responses(dispatcher.messages) == ["utter_registro_a_medias"]


async def test_resumed_form_keeps_the_answers_it_already_has(domain):
    """ "intentar de nuevo" reopens the form: Rasa offers every kept answer for validation again;
    none may be re-read from the new message."""
    dispatcher = CollectingDispatcher()
    t = en_formulario(FORM, None, "intentar de nuevo", "continuar", slots=DATOS)
    t.events += [{"event": "slot", "name": k, "value": v} for k, v in DATOS.items()]
    events = await ValidateRegistroForm().run(dispatcher, t, domain)
    assert dispatcher.messages == []
    assert all(DATOS[k] == v for k, v in slots(events).items() if k in DATOS)


def test_the_form_base_is_not_registered_as_an_action():
    import inspect

    from actions.formularios import FormularioOrienta

    assert inspect.isabstract(FormularioOrienta)


async def test_a_long_yes_is_asked_again_not_taken_as_no(domain):
    text = "pues la verdad si me parece bien todo eso"
    result, messages = await answer(domain, "consentimiento", text, intent="afirmar")
    assert result["consentimiento"] is None
    assert responses(messages) == ["utter_responde_si_no"]
    result, _ = await answer(domain, "consentimiento", "va que va", intent="afirmar")
    assert result["consentimiento"] is True
