"""bot.analitica: masking, channel labels and the event-stream analyser."""

from __future__ import annotations

import re

import pytest

from bot.analitica import Analizador, conversacion_id, redactar
from tests.ayudas import make_curp


# ------------------------------------------------------------------ redactar
@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        (
            "hola mi curp es {curp} y ya no sé qué sigue",
            "hola mi curp es [CURP] y ya no sé qué sigue",
        ),
        (
            "me pueden escribir a carlos.gomez+imss@example.com porfa",
            "me pueden escribir a [correo] porfa",
        ),
        ("mi cel es (312) 555-1234, llámenme", "mi cel es [número], llámenme"),
        ("mándame whats al +1 312 555 1234", "mándame whats al [número]"),
        ("mi nss 1234567890-1 no sale en la página", "mi nss [número] no sale en la página"),
        ("gano 2,500 dólares al mes, cuánto pago?", "gano [monto] al mes, cuánto pago?"),
        ("gano $800 a la semana", "gano [monto] a la semana"),
        ("saco como 3 mil al mes", "saco como [monto] al mes"),
        (
            "vi esto en https://www.imss.gob.mx/pti?id=123 y no entendí",
            "vi esto en [enlace] y no entendí",
        ),
        ("me llamo juan pérez lópez y quiero saber", "me llamo [nombre] y quiero saber"),
        ("Soy Juan Carlos, de Jalisco", "Soy [nombre], de Jalisco"),
        ("nací el 12/03/1985 en Guadalajara", "nací el [número] en Guadalajara"),
        # Small numbers carry no identity and keep the question readable.
        ("tengo 35 años y 2 hijos, ¿los cubre?", "tengo 35 años y 2 hijos, ¿los cubre?"),
        ("soy de Jalisco y vivo en Texas", "soy de Jalisco y vivo en Texas"),
        ("  hola \n\n  ¿qué   onda?  ", "hola ¿qué onda?"),
    ],
)
def test_redactar_enmascara_datos_personales(texto, esperado):
    curp = make_curp()
    assert redactar(texto.format(curp=curp)) == esperado


def test_redactar_curp_en_minusculas_y_parcial():
    curp = make_curp().lower()
    assert redactar(f"es {curp}") == "es [CURP]"
    assert redactar(f"es {curp[:10]}") == "es [CURP]"


def test_redactar_trunca_a_300_y_acepta_no_texto():
    largo = redactar("¿cuánto cuesta? " * 50)
    assert len(largo) == 300 and largo.endswith("…")
    assert redactar(None) == "" and redactar(123) == ""


def test_conversacion_id_es_hash_estable():
    cid = conversacion_id("tw-5215551234567")
    assert re.fullmatch(r"[0-9a-f]{32}", cid)
    assert cid == conversacion_id("tw-5215551234567") != conversacion_id("tw-5215551234568")
    assert "5551234" not in cid


# ------------------------------------------------------------------ Analizador
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def user(sender, texto, intent, confianza=0.9, canal="rest", t=T0, metadata=None):
    return {
        "sender_id": sender,
        "event": "user",
        "timestamp": t,
        "text": texto,
        "parse_data": {"intent": {"name": intent, "confidence": confianza}, "entities": []},
        "input_channel": canal,
        "message_id": "x",
        "metadata": metadata or {},
    }


def action(sender, name, t=T0):
    return {"sender_id": sender, "event": "action", "timestamp": t, "name": name}


def loop(sender, name, t=T0):
    return {"sender_id": sender, "event": "active_loop", "timestamp": t, "name": name}


def slot(sender, name, value, t=T0):
    return {"sender_id": sender, "event": "slot", "timestamp": t, "name": name, "value": value}


def correr(a, eventos):
    out = []
    for e in eventos:
        out.extend(a.procesar(e))
    return out


def test_mensaje_se_emite_al_terminar_el_turno():
    a = Analizador()
    assert a.procesar(user("ana", "¿cuánto cuesta?", "costo", 0.97)) == []
    assert a.procesar(action("ana", "utter_costo")) == []
    [r] = a.procesar(action("ana", "action_listen"))
    assert r == {
        "tipo": "mensaje",
        "en": "2026-01-01T00:00:00+00:00",
        "canal": "rest",
        "conversacion": conversacion_id("ana"),
        "intent": "costo",
        "confianza": 0.97,
        "fallback": False,
        "texto": None,
    }


def test_fallback_guarda_texto_enmascarado():
    a = Analizador()
    out = correr(
        a,
        [
            user("ana", "mi correo es ana@example.com, ¿me mandan la visa?", "nlu_fallback", 0.3),
            action("ana", "action_fallback"),
            action("ana", "action_listen"),
        ],
    )
    assert out[0]["fallback"] is True
    assert out[0]["texto"] == "mi correo es [correo], ¿me mandan la visa?"


def test_fallback_por_accion_aunque_el_intent_sea_otro():
    # Core fallback (TED policy unsure) runs action_fallback with a regular intent.
    out = correr(
        Analizador(),
        [
            user("b", "y lo otro?", "costo", 0.6),
            action("b", "action_fallback"),
            action("b", "action_listen"),
        ],
    )
    assert out[0]["fallback"] is True and out[0]["texto"] == "y lo otro?"


def test_dentro_de_un_formulario_nunca_es_fallback_ni_guarda_texto():
    curp = make_curp()
    a = Analizador()
    out = correr(
        a,
        [
            user("c", "quiero inscribirme", "inscribirme", canal="socketio"),
            action("c", "registro_form"),
            loop("c", "registro_form"),
            action("c", "action_listen"),
            user("c", curp, "nlu_fallback", 0.2, canal="socketio"),
            action("c", "registro_form"),
            action("c", "action_listen"),
            user("c", "gano 2000 dólares", "nlu_fallback", 0.1, canal="socketio"),
            action("c", "action_fallback"),
            action("c", "action_listen"),
        ],
    )
    mensajes = [r for r in out if r["tipo"] == "mensaje"]
    assert [m["fallback"] for m in mensajes] == [False, False, False]
    assert all(m["texto"] is None for m in mensajes)
    assert curp not in repr(out) and "2000" not in repr(out)
    [iniciado] = [r for r in out if r["tipo"] == "registro_iniciado"]
    assert iniciado["canal"] == "web" and iniciado["conversacion"] == conversacion_id("c")


def test_al_cerrar_el_formulario_vuelve_el_fallback():
    out = correr(
        Analizador(),
        [
            loop("d", "cotizacion_form"),
            loop("d", None),
            user("d", "asdfgh", "nlu_fallback", 0.1),
            action("d", "action_fallback"),
            action("d", "action_listen"),
        ],
    )
    assert out[-1]["fallback"] is True and out[-1]["texto"] == "asdfgh"


def test_embudo_consulado_y_folio():
    a = Analizador()
    out = correr(
        a,
        [
            slot("e", "consulado", "Consulado General de México en Chicago"),
            user(
                "e",
                "me inscribo",
                "inscribirme",
                metadata={"canal": "whatsapp"},
                canal="twilio_orienta",
            ),
            loop("e", "registro_form"),
            loop("e", None),
            loop("e", "registro_form"),  # second activation: started only once
            slot("e", "folio", "PTI-2026-ABC123"),
            slot("e", "folio", None),
            slot("e", "consulado", ""),
        ],
    )
    tipos = [r["tipo"] for r in out]
    assert tipos == ["consulado", "registro_iniciado", "registro_enviado"]
    assert out[1]["consulado"] == "Consulado General de México en Chicago"
    assert out[1]["canal"] == "whatsapp"
    assert out[2]["folio"] == "PTI-2026-ABC123" and out[2]["canal"] == "whatsapp"


def test_turno_sin_action_listen_se_cierra_con_el_siguiente_mensaje():
    a = Analizador()
    out = correr(a, [user("f", "hola", "saludo"), user("f", "costo", "costo")])
    assert [r["intent"] for r in out] == ["saludo"]


@pytest.mark.parametrize(
    "evento",
    [
        None,
        "user",
        42,
        [],
        {},
        {"event": "user"},
        {"sender_id": 3, "event": "user"},
        {"sender_id": "x", "event": None},
        {"sender_id": "x", "event": "user", "parse_data": "roto", "timestamp": "ayer"},
        {"sender_id": "x", "event": "user", "parse_data": {"intent": None}, "timestamp": 1e300},
        {"sender_id": "x", "event": "slot", "name": "folio", "value": {"a": 1}},
        {"sender_id": "x", "event": "action", "name": None},
    ],
)
def test_eventos_malformados_no_truenan(evento):
    a = Analizador()
    assert a.procesar(evento) == []
    # The state survives and a later turn still closes cleanly.
    out = a.procesar({"sender_id": "x", "event": "action", "name": "action_listen"})
    assert all(r["tipo"] == "mensaje" for r in out)


def test_estado_acotado_por_lru():
    a = Analizador(max_conversaciones=3)
    for s in "abcd":
        a.procesar(user(s, "hola", "saludo"))
    assert len(a) == 3
    # "a" was evicted: its pending turn is gone, so action_listen emits nothing.
    assert a.procesar(action("a", "action_listen")) == []
    assert len(a.procesar(action("d", "action_listen"))) == 1
