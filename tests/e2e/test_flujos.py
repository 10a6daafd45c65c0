"""The conversation flows that do something, end to end: Rasa on the trained model + the action
server + the enrollment service on its own SQLite file, through the REST channel."""

import itertools
import sqlite3

import pytest

from bot.validacion import ErrorValidacion, validar_correo
from scripts.bench_registro import (
    AVISO_URL,
    CIUDAD,
    EMAIL,
    NOMBRE,
    curp_valida,
    folio_en,
    turnos_registro,
)
from scripts.consola_http import ConsolaHttp
from tests.e2e.conversacion import Conversacion, flujo_en_puertos, texts

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT, SERVICE_PORT = 5305, 5355, 5380
_curps = (curp_valida(n) for n in itertools.count(100, 37))


@pytest.fixture(scope="module")
def flujo(tmp_path_factory):
    yield from flujo_en_puertos(
        tmp_path_factory.mktemp("flujos"), RASA_PORT, ACTIONS_PORT, SERVICE_PORT
    )


@pytest.fixture
def conversacion(flujo):
    return Conversacion(flujo.rest_url, "e2e-flujos")


def starts_like(reply: str, domain: dict, name: str) -> bool:
    """`reply` is response `name` (compared up to its first {placeholder})."""
    return any(reply.startswith(t.split("{", 1)[0]) for t in texts(domain, name))


@pytest.fixture(scope="module")
def registrado(flujo):
    """One complete registration shared by the status and deletion tests (asserted in a)."""
    conv, curp = Conversacion(flujo.rest_url, "e2e-flujos"), next(_curps)
    for message in turnos_registro(curp):
        conv(message)
    return conv, curp, folio_en(conv.transcript[-1][1])


# ------------------------------------------------------------------ a) registration
def test_full_registration_gives_folio_amount_and_next_steps_no_reference(
    flujo, registrado, domain
):
    conv, curp, folio = registrado
    replies = [r for _, r in conv.transcript]
    assert replies[0] and AVISO_URL in replies[0][-1], conv
    assert any(curp in t and NOMBRE in t and EMAIL in t for t in replies[-2]), conv  # summary
    final = "\n".join(replies[-1])
    assert folio, conv
    assert "MXN" in final and "estimada" in final, conv
    assert "Referencia de pago" not in final and "no es tu alta en el IMSS" in final, conv
    assert "Sigue: 1)" in final and "línea de captura" in final, conv
    rows = flujo.registros(curp)
    assert len(rows) == 1, conv
    assert rows[0]["folio"] == folio and rows[0]["estado"] == "recibida"
    assert rows[0]["ciudad_residencia"].startswith(CIUDAD.split(",")[0])
    assert rows[0]["pais_residencia"] == "Estados Unidos"
    # Issue 15: the Mexican address, no NSS ("NO LO TENGO"), the reminder "no" and the channel.
    assert (rows[0]["domicilio_estado"], rows[0]["domicilio_cp"]) == ("Jalisco", "45010")
    assert rows[0]["nss"] is None and not rows[0]["recordatorios"]
    assert rows[0]["canal"] == "web" and rows[0]["direccion_canal"]


# ------------------------------------------------------------------ b) status, c) deletion
def test_status_with_folio_curp_and_the_code_shows_the_state(flujo, registrado, conversacion):
    _, curp, folio = registrado
    assert folio
    conversacion("como va mi registro")
    conversacion(folio)
    pide = "\n".join(conversacion(curp))
    assert "te mandé un código" in pide, conversacion
    assert "recibida" not in pide.lower()  # folio + CURP alone show nothing
    estado = "\n".join(conversacion(flujo.codigo(folio))).lower()
    assert "recibida" in estado and "todavía no un alta en el imss" in estado, conversacion


def test_a_promoter_records_imss_and_the_person_sees_it(flujo, registrado, domain):
    """Issue 15: the promoter moves the case from the console up to "hecha en el IMSS"; the
    person gets the notices with their next message and, with the code, the línea."""
    conv, curp, folio = registrado
    assert folio
    consola = ConsolaHttp(flujo.service_url, flujo.database_url, rol="admin")
    try:
        ruta = f"/consola/registros/{folio}/estado"
        assert consola.enviar(ruta, destino="hecha_en_imss").status_code == 409
        assert consola.enviar(ruta, destino="en_proceso").status_code == 303
        r = consola.enviar(
            ruta,
            destino="hecha_en_imss",
            nss="12345678903",
            linea_captura="IMSSE2E0123456",
            linea_monto="1520.50",
            linea_vence_en="2026-12-20",
        )
        assert r.status_code == 303, r.text
    finally:
        consola.close()
    avisos = "\n".join(conv("hola"))
    assert "en proceso" in avisos and "trámite hecho en el IMSS" in avisos, conv
    assert "IMSSE2E0123456" not in avisos, conv  # the línea only after the code
    assert not any("trámite ahora está" in t for t in conv("gracias")), conv  # once
    conv("como va mi registro")
    conv(folio)
    assert "te mandé un código" in "\n".join(conv(curp)), conv
    estado = "\n".join(conv(flujo.codigo(folio)))
    assert "trámite hecho en el IMSS" in estado and "IMSSE2E0123456" in estado, conv
    assert "$1,520.50 MXN" in estado and "activo" not in estado.lower(), conv


def test_reminders_opt_in_and_out_from_the_web_chat_at_once(flujo, registrado):
    """Issue 15: RECORDATORIOS turns the reminders on, BAJA off, each confirmed at once and
    without a bot turn, for the registration made from this conversation."""
    conv, curp, _ = registrado
    assert not flujo.registros(curp)[0]["recordatorios"]  # the form's "2 No"
    alta = "\n".join(conv("RECORDATORIOS"))
    assert "te enviaremos un recordatorio" in alta, conv
    assert flujo.registros(curp)[0]["recordatorios"]
    baja = "\n".join(conv("BAJA"))
    assert "ya no te enviaremos recordatorios" in baja.lower(), conv
    assert not flujo.registros(curp)[0]["recordatorios"]


def test_deletion_erases_the_personal_data(flujo, registrado, conversacion):
    _, curp, folio = registrado
    assert folio
    conversacion("borra mis datos")
    conversacion(folio)
    conversacion(curp)
    pide = "\n".join(conversacion("si"))
    assert "te mandé un código" in pide, conversacion
    confirmacion = "\n".join(conversacion(flujo.codigo(folio))).lower()
    assert "borr" in confirmacion or "elimin" in confirmacion, conversacion
    assert flujo.consultar(folio, curp).status_code == 404, conversacion
    (row,) = [r for r in flujo.registros() if r["folio"] == folio]
    assert row["curp"] is None and row["email"] is None and row["estado"] == "eliminado"


# ------------------------------------------------------------------ d) service down
def test_service_down_then_intentar_de_nuevo_registers_once(flujo, conversacion):
    curp = next(_curps)
    *hasta_resumen, enviar = turnos_registro(curp)
    for message in hasta_resumen:
        conversacion(message)
    flujo.stop_service()
    try:
        disculpa = "\n".join(conversacion(enviar))
    finally:
        flujo.iniciar_servicio()
    assert "Perdón" in disculpa and "INTENTAR DE NUEVO" in disculpa, conversacion
    assert flujo.registros(curp) == []

    folio = folio_en(conversacion("intentar de nuevo"))
    assert folio, conversacion
    conversacion("intentar de nuevo")
    assert folio_en(conversacion.transcript[-1][1]) in (None, folio), conversacion
    rows = flujo.registros(curp)
    assert [r["folio"] for r in rows] == [folio], conversacion


# ------------------------------------------------------------------ e) bad answer, cancel
def test_bad_email_is_explained_then_cancel_and_start_again(flujo, conversacion, domain):
    curp = next(_curps)
    turnos = turnos_registro(curp)
    for message in turnos[: turnos.index(EMAIL)]:  # up to the name: the form asks for the email
        conversacion(message)
    with pytest.raises(ErrorValidacion) as error:
        validar_correo("maria.lopez@")
    replies = conversacion("maria.lopez@")
    assert str(error.value) in replies, conversacion
    assert replies[-1] in texts(domain, "utter_ask_email"), conversacion  # asked again

    telefono = conversacion(EMAIL)
    assert telefono[-1] in texts(domain, "utter_ask_telefono"), conversacion  # form continues

    cancelado = conversacion("cancelar")
    assert any("cancelé tu prerregistro" in t for t in cancelado), conversacion

    again = conversacion("quiero inscribirme")
    assert starts_like(again[-1], domain, "utter_ask_consentimiento"), conversacion
    assert flujo.registros(curp) == []


# ------------------------------------------------------------------ nearest desk, handoff, quote
def test_nearest_desk_from_a_misspelled_city_in_one_message(conversacion):
    replies = "\n".join(conversacion("hay ventanilla de salud cerca de chicaco?"))
    assert "Chicago" in replies and "Fuente:" in replies, conversacion


def test_asking_for_a_person_opens_one_ticket_without_personal_data(flujo, conversacion):
    conversacion("cuanto cuesta")
    replies = "\n".join(conversacion("quiero hablar con una persona"))
    assert "promotora" in replies, conversacion
    conversacion("gracias")
    with sqlite3.connect(flujo.database) as db:
        tickets = db.execute(
            "SELECT resumen FROM canalizaciones WHERE direccion_canal = ?",
            (conversacion.sender,),
        ).fetchall()
    assert len(tickets) == 1, tickets  # one ticket, opened by the request and nothing else
    assert "Cuánto cuesta" in tickets[0][0]


def test_quote_in_one_message(conversacion):
    replies = "\n".join(conversacion("cuanto pagaria si gano 15 mil pesos al mes"))
    assert "Estimación" in replies and "MXN" in replies and "IMSS" in replies, conversacion


# ------------------------------------------ console loop: a promoter answers a handoff ticket
def test_a_promoter_reply_arrives_with_the_next_answer_once(flujo, conversacion):
    conversacion("quiero hablar con una persona")
    with sqlite3.connect(flujo.database) as db:
        ((ticket_id,),) = db.execute(
            "SELECT id FROM canalizaciones WHERE direccion_canal = ?", (conversacion.sender,)
        ).fetchall()
    # An admin: a REST conversation names no consulate, so its case is in the national queue.
    consola = ConsolaHttp(flujo.service_url, flujo.database_url, rol="admin")
    try:
        r = consola.enviar(
            f"/consola/canalizaciones/{ticket_id}/responder", texto="Hola, soy Ana. Te llamo hoy."
        )
        assert r.status_code == 303, r.text
    finally:
        consola.close()
    replies = conversacion("hola")
    assert replies[0].startswith(f"Respuesta de tu Ventanilla de Salud (caso {ticket_id})"), (
        conversacion
    )
    assert "Te llamo hoy." in replies[0] and len(replies) > 1, conversacion  # then the bot's answer
    assert not any("Te llamo hoy." in t for t in conversacion("gracias")), conversacion


def test_the_conversation_reaches_the_statistics_without_personal_data(flujo, conversacion):
    import time

    from bot.analitica import conversacion_id

    conversacion("cuanto cuesta")
    conversacion("blorf zqxv mi numero es 312 555 0199 HEGG560427MVZRRL04")
    conv = conversacion_id(conversacion.sender)
    deadline = time.monotonic() + 20  # the broker posts every ~2 s
    rows = []
    while time.monotonic() < deadline and len(rows) < 2:
        with sqlite3.connect(flujo.database) as db:
            rows = db.execute(
                "SELECT canal, intent, fallback, texto FROM metricas_mensajes "
                "WHERE conversacion = ? ORDER BY id",
                (conv,),
            ).fetchall()
        time.sleep(0.5)
    assert len(rows) == 2, rows
    assert rows[0][:3] == ("rest", "faq/pago_cuanto_cuesta", 0), rows
    stored = " ".join(str(r[3]) for r in rows)
    assert "0199" not in stored and "HEGG" not in stored, rows
