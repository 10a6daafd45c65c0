""" "Lo hago yo": the self-service guide after a quote."""

from rasa_sdk.executor import CollectingDispatcher

from actions.guia import ActionGuiaImss
from bot.cuota import CALCULADORA_IMSS
from bot.mensajes import MEDIO_SMS, formatear_turno, repite_opciones
from tests.actions.trackers import responses, tracker, user


async def test_the_guide_is_the_checklist_the_steps_and_the_linea_de_captura(domain):
    dispatcher = CollectingDispatcher()
    events = await ActionGuiaImss().run(dispatcher, tracker([user("lo hago yo", "guia_imss")]), {})
    assert events == []
    nombres = responses(dispatcher.messages)
    assert nombres == ["utter_guia_imss_lista", "utter_guia_imss_pasos", "utter_guia_imss_linea"]
    lista, pasos, linea = (domain["responses"][n][0]["text"] for n in nombres)
    for dato in ("CURP", "NSS", "Correo", "Domicilio en México", "ingreso"):
        assert dato in lista, dato
    assert "www.imss.gob.mx/tramites/imss02008" in lista  # how to get an NSS (facts.md §2)
    assert CALCULADORA_IMSS in pasos and "el sistema del IMSS te da tu línea de captura" in pasos
    assert "confírmalo con el IMSS" in pasos  # no source says what to do without an address
    assert "una fuente dice el 15" in linea and "solo la que tú generaste" in linea
    for texto in (lista, pasos, linea):
        assert len(texto) <= 320 and texto.splitlines()[-1].startswith("Fuente:")


def test_the_quote_offers_both_paths(domain):
    referencia = domain["responses"]["utter_cotizacion_referencia"][0]
    assert [b["payload"] for b in referencia["buttons"]] == ["/guia_imss", "/inscribirme"]
    # The web chat shows the buttons; SMS/WhatsApp number them (never both: issue 17).
    assert not repite_opciones(referencia["text"], [b["title"] for b in referencia["buttons"]])
    sms = formatear_turno([referencia], MEDIO_SMS).cuerpos[-1]
    assert "1) Lo hago yo" in sms and "2) Que me ayuden en el consulado" in sms
