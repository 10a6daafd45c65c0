import pytest

from bot import canales
from bot.canales import (
    CANALES,
    ETIQUETAS,
    canal_de_evento,
    canal_de_sender,
    canal_de_ticket,
    canonico,
    etiqueta,
    etiqueta_en_frase,
    medio_de_remitente,
    medio_de_ticket,
)


def test_canonical_names_and_their_labels():
    assert CANALES == ("whatsapp", "sms", "web", "rest", "consola", "otro")
    assert list(ETIQUETAS) == list(CANALES)


@pytest.mark.parametrize(
    ("canal", "nombre"),
    [("telefono", "sms"), ("SMS", "sms"), (" WhatsApp ", "whatsapp"), ("web", "web"), (None, "")],
)
def test_canonico_reads_the_tickets_old_spelling(canal, nombre):
    assert canonico(canal) == nombre


@pytest.mark.parametrize(
    ("canal", "medio"),
    [("telefono", "sms"), ("sms", "sms"), ("whatsapp", "whatsapp"), ("web", None), ("", None)],
)
def test_medio_de_ticket(canal, medio):
    assert medio_de_ticket(canal) == medio


@pytest.mark.parametrize(
    ("medio", "canal"), [("whatsapp", "whatsapp"), ("sms", "telefono"), ("fax", "telefono")]
)
def test_canal_de_ticket_keeps_the_stored_spelling(medio, canal):
    assert canal_de_ticket(medio) == canal


@pytest.mark.parametrize(
    ("sender", "canal"),
    [
        ("consola-3-ab12cd", "consola"),
        ("tw-0123456789abcdef0123", "sms"),
        ("web-abc", "web"),
        ("abc", None),
        (7, None),
    ],
)
def test_canal_de_sender(sender, canal):
    assert canal_de_sender(sender) == canal


def test_labels_for_statistics_and_sentences():
    assert etiqueta("web") == "Chat web" and etiqueta_en_frase("web") == "chat web"
    assert etiqueta("telefono") == "SMS" == etiqueta_en_frase("telefono")
    assert etiqueta("rest") == "Pruebas y otros sistemas" and etiqueta_en_frase("email") == "correo"
    assert etiqueta("fax") == "fax" == etiqueta_en_frase("fax")


def test_prefixes():
    assert canales.PREFIJO_CONSOLA == "consola-" and canales.PREFIJO_TWILIO == "tw-"


@pytest.mark.parametrize(
    ("evento", "canal"),
    [
        ({"input_channel": "twilio_orienta", "metadata": {"canal": "whatsapp"}}, "whatsapp"),
        ({"input_channel": "twilio_orienta", "metadata": {"canal": "sms"}}, "sms"),
        ({"input_channel": "twilio_orienta", "metadata": {"canal": "fax"}}, "sms"),
        ({"input_channel": "twilio_orienta", "metadata": None}, "sms"),
        ({"input_channel": "socketio"}, "web"),
        ({"input_channel": "rest"}, "rest"),
        ({"input_channel": "rest", "sender_id": "consola-3-ab12"}, "consola"),
        ({"input_channel": "cmdline"}, "otro"),
        ({}, "otro"),
    ],
)
def test_canal_de_evento(evento, canal):
    assert canal_de_evento(evento) == canal


# ------------------------------------------------------------------ Twilio's From


@pytest.mark.parametrize(
    ("remitente", "medio"),
    [
        ("whatsapp:+13125550100", "whatsapp"),
        ("WhatsApp:+13125550100", "whatsapp"),
        ("+13125550100", "sms"),
        ("", "sms"),
        (None, "sms"),
    ],
)
def test_medio_de_remitente(remitente, medio):
    assert medio_de_remitente(remitente) == medio


def test_reserved_prefixes_and_web_namespace():
    assert canales.id_web("abc") == "web-abc"
    assert canales.prefijo_reservado("tw-123") == "tw-" == canales.prefijo_reservado(" TW-1")
    assert canales.prefijo_reservado("web-abc") == "web-"
    assert canales.prefijo_reservado("ana") is None
    # The console's prefix is not reserved: the console itself talks to Rasa through REST.
    assert canales.prefijo_reservado("consola-3-ab") is None
