"""Pure formatting functions of bot/mensajes.py (no Rasa, no Sanic)."""

from __future__ import annotations

import pytest

from bot.mensajes import (
    AVISO_RECORTE,
    INSTRUCCION_OPCIONES,
    MAX_CUERPO,
    Opcion,
    a_gsm7,
    codificacion_sms,
    es_gsm7,
    formatear_turno,
    partir,
    repite_opciones,
    segmentos_sms,
)

BOTONES_6 = [
    {"title": "¿Qué es PTI?", "payload": "/que_es_pti"},
    {"title": "Requisitos", "payload": "/requisitos"},
    {"title": "¿Cuánto cuesta?", "payload": "/costo"},
    {"title": "Quiero inscribirme", "payload": "/inscribirme"},
    {"title": "Ventanillas de Salud", "payload": "/ventanillas_salud"},
    {"title": "Hablar con una persona", "payload": "/pedir_humano"},
]


# ------------------------------------------------------------------ segmentos_sms


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        # One non-GSM letter turns the whole message into UCS-2.
        ("a" * 69 + "á", 1),
        ("a" * 70 + "á", 2),
        # Extension table characters take 2 septets.
        ("€" * 80, 1),
        ("€" * 81, 2),
        # ESC+char is never split: 152 + [2] + 152 needs 3 segments, not ceil(306/153) = 2.
        ("a" * 152 + "€" + "a" * 152, 3),
        # An emoji is 2 UTF-16 units in UCS-2.
        ("a" * 68 + "👋", 1),
        ("a" * 69 + "👋", 2),
    ],
)
def test_segmentos_sms(texto: str, esperado: int):
    assert segmentos_sms(texto) == esperado


def test_letras_espanolas_en_gsm7():
    assert es_gsm7("¡Hola, señor! ¿Qué tal? Müller É Ñ")
    for letra in "áíóúÁÍÓÚ":
        assert not es_gsm7(letra), letra
    assert codificacion_sms("¡Hola, ñandú!") == "UCS-2"
    assert codificacion_sms("¡Hola, ñandu!") == "GSM-7"


def test_a_gsm7_translitera_solo_lo_necesario():
    assert a_gsm7("¿Cuánto cuesta? Información, día, Último, ÁRBOL") == (
        "¿Cuanto cuesta? Informacion, dia, Ultimo, ARBOL"
    )
    assert a_gsm7("¡Hola! 👋 Soy Orienta") == "¡Hola! Soy Orienta"
    assert a_gsm7("IMSS–SRE “PTI” … qué año ≈1,700") == 'IMSS-SRE "PTI" ... qué año ~1,700'
    assert es_gsm7(a_gsm7("Ünïcödé ☃ 🇲🇽 ✅ fin"))


# ------------------------------------------------------------------ formatear_turno


def test_sms_botones_numerados_texto_plano():
    f = formatear_turno([{"text": "¿Qué quieres saber?", "buttons": BOTONES_6}], "sms")
    assert f.cuerpos == [
        "¿Qué quieres saber?\n\n"
        "1) ¿Qué es PTI?\n2) Requisitos\n3) ¿Cuanto cuesta?\n4) Quiero inscribirme\n"
        "5) Ventanillas de Salud\n6) Hablar con una persona\nResponde con el numero."
    ]
    assert [o.payload for o in f.opciones] == [b["payload"] for b in BOTONES_6]
    assert f.opciones[2] == Opcion(3, "¿Cuánto cuesta?", "/costo")
    assert codificacion_sms(f.cuerpos[0]) == "GSM-7"


def test_whatsapp_mas_de_3_opciones_en_lista_con_negritas():
    f = formatear_turno([{"text": "¿Qué quieres saber?", "buttons": BOTONES_6}], "whatsapp")
    (cuerpo,) = f.cuerpos
    assert "\n1) *¿Qué es PTI?*\n2) *Requisitos*\n3) *¿Cuánto cuesta?*\n" in cuerpo
    assert cuerpo.endswith("6) *Hablar con una persona*\n" + INSTRUCCION_OPCIONES)


def test_whatsapp_hasta_3_opciones_en_una_linea():
    botones = [{"title": "Sí", "payload": "/afirmar"}, {"title": "No", "payload": "/negar"}]
    f = formatear_turno([{"text": "¿Algo más?", "buttons": botones}], "whatsapp")
    assert f.cuerpos == ["¿Algo más?\n\n1) *Sí*   2) *No*\n" + INSTRUCCION_OPCIONES]


def test_whatsapp_conserva_acentos_y_emoji():
    f = formatear_turno([{"text": "¡Hola! 👋 Información útil"}], "whatsapp")
    assert f.cuerpos == ["¡Hola! 👋 Información útil"]
    assert f.opciones == []


def test_titulo_con_asterisco_no_rompe_negritas():
    f = formatear_turno(
        [{"text": "x", "buttons": [{"title": "*Costo*", "payload": "/c"}]}], "whatsapp"
    )
    assert "1) *Costo*" in f.cuerpos[0]


def test_mensajes_del_turno_se_unen_y_la_numeracion_sigue():
    mensajes = [
        {"text": "Primero", "buttons": BOTONES_6[:2]},
        {"text": "Segundo"},
        {"text": "Tercero", "buttons": BOTONES_6[2:3]},
    ]
    f = formatear_turno(mensajes, "sms")
    assert len(f.cuerpos) == 1
    assert f.cuerpos[0].startswith("Primero\n\n1) ¿Qué es PTI?\n2) Requisitos\n")
    assert "Tercero\n\n3) ¿Cuanto cuesta?\nResponde con el numero." in f.cuerpos[0]
    assert [o.numero for o in f.opciones] == [1, 2, 3]


def test_imagen_y_custom_como_texto():
    f = formatear_turno(
        [{"image": "https://example.org/a.png"}, {"custom": {"text": "hola"}}, {"custom": {}}],
        "whatsapp",
    )
    assert f.cuerpos == ["https://example.org/a.png\n\nhola"]


def test_sin_mensajes_no_hay_cuerpos():
    assert formatear_turno([], "sms").cuerpos == []
    assert formatear_turno([{"text": "   "}], "whatsapp").cuerpos == []


def test_medio_desconocido():
    with pytest.raises(ValueError):
        formatear_turno([{"text": "x"}], "telegram")


# ------------------------------------------------------------------ partir


def test_partir_corto_no_se_toca():
    assert partir("hola") == (["hola"], False)
    assert partir("x" * MAX_CUERPO) == (["x" * MAX_CUERPO], False)


def test_partir_en_parrafos():
    parrafos = [f"{i}" + "a" * 700 for i in range(4)]  # 4 × 701 + separators = 2810
    cuerpos, recortado = partir("\n\n".join(parrafos))
    assert not recortado
    assert cuerpos == ["\n\n".join(parrafos[:2]), "\n\n".join(parrafos[2:])]


def test_partir_en_lineas_si_el_parrafo_es_enorme():
    lineas = [f"{i}" + "b" * 399 for i in range(6)]  # one 2405-char paragraph
    cuerpos, _ = partir("\n".join(lineas))
    assert cuerpos == ["\n".join(lineas[:3]), "\n".join(lineas[3:])]


def test_partir_linea_sin_espacios():
    cuerpos, recortado = partir("z" * 3000)
    assert not recortado
    assert [len(c) for c in cuerpos] == [1600, 1400]


def test_partir_recorta_con_aviso_despues_de_3():
    texto = "\n\n".join("c" * 1000 for _ in range(6))
    cuerpos, recortado = partir(texto)
    assert recortado
    assert len(cuerpos) == 3
    assert all(len(c) <= MAX_CUERPO for c in cuerpos)
    assert cuerpos[-1].endswith(AVISO_RECORTE)


def test_partir_recorta_cuerpo_lleno_para_que_quepa_el_aviso():
    texto = "\n\n".join(" ".join(["palabra"] * 199) for _ in range(4))  # 4 × 1591 chars
    cuerpos, recortado = partir(texto)
    assert recortado
    assert len(cuerpos) == 3
    assert all(len(c) <= MAX_CUERPO for c in cuerpos)
    assert cuerpos[-1].endswith("palabra\n\n" + AVISO_RECORTE)


def test_formatear_sms_recorte_en_gsm7():
    f = formatear_turno([{"text": "\n\n".join("d" * 1500 for _ in range(5))}], "sms")
    assert f.recortado
    assert f.cuerpos[-1].endswith("Escribe MAS para ver mas detalles.)")
    assert all(es_gsm7(c) for c in f.cuerpos)


# ------------------------------------------------------------------ the real domain


def _respuestas(domain: dict):
    for nombre, variantes in domain["responses"].items():
        for variante in variantes:
            yield nombre, variante


def test_todas_las_respuestas_caben_en_gsm7_por_sms(domain: dict):
    for nombre, variante in _respuestas(domain):
        f = formatear_turno([variante], "sms")
        assert f.cuerpos, nombre
        for cuerpo in f.cuerpos:
            assert codificacion_sms(cuerpo) == "GSM-7", nombre
            assert len(cuerpo) <= MAX_CUERPO, nombre


def test_respuestas_cortas_caben_en_3_segmentos_por_sms(domain: dict):
    """Short topic answers (utter_<tema>, not _detalle) stay ≤ 3 SMS segments once in GSM-7."""
    for nombre, variante in _respuestas(domain):
        if nombre.endswith("_detalle") or "buttons" in variante:
            continue
        texto = variante.get("text", "")
        if len(texto) > 320:  # the domain's own budget for short answers
            continue
        (cuerpo,) = formatear_turno([variante], "sms").cuerpos
        assert segmentos_sms(cuerpo) <= 3, (nombre, segmentos_sms(cuerpo))


# --- numbered options in the text of a message with buttons ----------------------------------


@pytest.mark.parametrize(
    ("texto", "titulos"),
    [
        ("¿Aceptas? 1 Sí 2 No", ["Sí, acepto", "No"]),
        ("¿Es correcto? 1) Sí 2) No", ["Sí, es correcto", "No"]),
        ("¿Todo bien? 1 Sí, enviar 2 Corregir algo 3 Cancelar", ["Sí, enviar", "Corregir"]),
    ],
)
def test_repite_opciones(texto, titulos):
    assert repite_opciones(texto, titulos)


@pytest.mark.parametrize(
    ("texto", "titulos"),
    [
        ("¿Aceptas?", ["Sí, acepto", "No"]),
        ("Cuesta 1 000 pesos; 2 pagos", ["Sí", "No"]),
        ("¿Aceptas? 1 Sí 2 No", ["Sí"]),
    ],
)
def test_no_repite_opciones(texto, titulos):
    assert not repite_opciones(texto, titulos)
