"""Metrics ingest (POST /v1/metricas), statistics queries, SVG charts and the Rasa broker."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.analitica import conversacion_id
from servicio.consola import estadisticas as est
from servicio.consola import graficas
from servicio.inscripcion import api_metricas
from servicio.inscripcion import modelos as m
from tests.ayudas import A, make_curp

COSTO = "faq/pago_cuanto_cuesta"

UTC = timezone.utc


@pytest.fixture
def cliente(app):
    from fastapi.testclient import TestClient

    app.include_router(api_metricas.router)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def session(app):
    s = app.state.sessionmaker()
    yield s
    s.close()


def cid(n) -> str:
    return conversacion_id(f"s{n}")


def mensaje(conv, en, canal="web", intent=COSTO, fallback=False, texto=None):
    return {
        "tipo": "mensaje",
        "en": en,
        "canal": canal,
        "conversacion": conv,
        "intent": intent,
        "confianza": 0.9,
        "fallback": fallback,
        "texto": texto,
    }


# ------------------------------------------------------------------ ingest endpoint
def test_ingesta_guarda_mensajes_y_embudo(cliente, session):
    c1, c2 = cid(1), cid(2)
    curp = make_curp()
    cuerpo = [
        mensaje(c1, "2026-03-01T10:00:00Z", fallback=True, texto=f"mi curp {curp} y la visa?"),
        mensaje(c1, "2026-03-01T10:01:00Z", texto="esto no se guarda"),
        {"tipo": "consulado", "conversacion": c2, "consulado": "Chicago"},  # no funnel yet: ignored
        {
            "tipo": "registro_iniciado",
            "conversacion": c1,
            "canal": "whatsapp",
            "en": "2026-03-01T10:02:00Z",
        },
        {"tipo": "consulado", "conversacion": c1, "consulado": "Consulado en Chicago"},
        {
            "tipo": "registro_enviado",
            "conversacion": c1,
            "folio": "PTI-1",
            "en": "2026-03-01T10:20:00Z",
        },
        # Out of order: submitted arrives before started; started keeps the earlier time.
        {
            "tipo": "registro_enviado",
            "conversacion": c2,
            "folio": "PTI-2",
            "en": "2026-03-02T10:00:00Z",
        },
        {
            "tipo": "registro_iniciado",
            "conversacion": c2,
            "canal": "sms",
            "en": "2026-03-02T09:00:00Z",
        },
    ]
    r = cliente.post("/v1/metricas", json=cuerpo, headers=A)
    assert r.status_code == 200, r.text
    assert r.json() == {"recibidas": 8}
    filas = session.execute(select(m.MetricaMensaje).order_by(m.MetricaMensaje.en)).scalars().all()
    assert [(f.fallback, f.texto) for f in filas] == [
        (True, "mi curp [CURP] y la visa?"),
        (False, None),
    ]
    e1 = session.get(m.EmbudoConversacion, c1)
    assert (e1.canal, e1.consulado, e1.folio) == ("whatsapp", "Consulado en Chicago", "PTI-1")
    e2 = session.get(m.EmbudoConversacion, c2)
    assert e2.folio == "PTI-2" and e2.consulado is None
    assert e2.iniciado_en.replace(tzinfo=UTC) == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_ingesta_pide_clave(cliente):
    r = cliente.post("/v1/metricas", json=[])
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("registro", "campo", "fragmento"),
    [
        ({"tipo": "visita"}, "0.tipo", "debe ser uno de"),
        (
            {**mensaje(cid(1), "2026-03-01T10:00:00Z"), "telefono": "+13125551234"},
            "0.telefono",
            "no está permitido",
        ),
        (mensaje("tw-13125551234", "2026-03-01T10:00:00Z"), "0.conversacion", "no es válido"),
        (mensaje(cid(1), "2026-03-01T10:00:00Z", texto="x" * 301), "0.texto", "como máximo 300"),
        ({**mensaje(cid(1), "2026-03-01T10:00:00Z"), "fallback": "si"}, "0.fallback", ""),
        (mensaje(cid(1), "ayer"), "0.en", "fecha"),
    ],
)
def test_ingesta_rechaza_en_espanol(cliente, session, registro, campo, fragmento):
    r = cliente.post("/v1/metricas", json=[registro], headers=A)
    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["campo"] == campo and fragmento in error["mensaje"]
    assert session.execute(select(m.MetricaMensaje)).first() is None


def test_ingesta_limita_el_lote(cliente):
    from fastapi.exceptions import RequestValidationError

    uno = mensaje(cid(1), "2026-03-01T10:00:00Z")
    with pytest.raises(RequestValidationError) as error:
        api_metricas.validar([uno] * 501)
    assert "500" in error.value.errors()[0]["msg"]
    assert len(api_metricas.validar([uno] * 500)) == 500
    # The app's 16 KiB body limit answers first for big batches; the broker cuts by size.
    r = cliente.post("/v1/metricas", json=[uno] * 200, headers=A)
    assert r.status_code == 413


# ------------------------------------------------------------------ queries
def _registro(
    session,
    folio,
    creado,
    consulado=None,
    origen="asistente",
    estado=m.ESTADO_RECIBIDA,
    activado=None,
):
    session.add(
        m.Registro(
            folio=folio,
            estado=estado,
            consulado=consulado,
            origen=origen,
            anio_tarifa=2026,
            tabla_version="2026-01",
            monto_mensual=Decimal("1000.00"),
            creado_en=creado,
            actualizado_en=creado,
            activado_en=activado,
        )
    )


def test_conversaciones_por_dia_en_hora_de_mexico(cliente, session):
    cuerpo = [
        # 2026-03-02 05:30Z is 23:30 of March 1 in Mexico City (UTC-6).
        mensaje(cid(1), "2026-03-02T05:30:00Z", canal="whatsapp"),
        mensaje(cid(1), "2026-03-02T05:40:00Z", canal="whatsapp"),  # same conversation
        mensaje(cid(2), "2026-03-02T06:30:00Z", canal="sms"),
        mensaje(cid(3), "2026-03-02T07:00:00Z", canal="web"),
        mensaje(cid(4), "2026-03-02T07:00:00Z", canal="consola"),
        mensaje(cid(5), "2026-03-05T07:00:00Z", canal="web"),  # outside the window
    ]
    assert cliente.post("/v1/metricas", json=cuerpo, headers=A).status_code == 200
    dias = est.conversaciones_por_dia(session, date(2026, 2, 28), date(2026, 3, 3))
    assert [d.dia for d in dias] == [date(2026, 2, 28) + timedelta(days=i) for i in range(4)]
    assert [d.total for d in dias] == [0, 1, 2, 0]
    assert dias[1].por_canal == {"whatsapp": 1, "sms": 0, "web": 0}
    assert dias[2].por_canal == {"whatsapp": 0, "sms": 1, "web": 1}


def test_temas_y_fallback(cliente, session):
    hoy = est.hoy_mx()
    ahora = datetime.now(UTC).isoformat()
    cuerpo = (
        [mensaje(cid(i), ahora, intent=COSTO) for i in range(3)]
        + [mensaje(cid(9), ahora, intent="cotizar")] * 2
        + [mensaje(cid(9), ahora, intent="saludo")] * 5
        + [mensaje(cid(9), ahora, intent=COSTO, canal="consola")] * 9
        + [
            mensaje(cid(7), ahora, intent="nlu_fallback", fallback=True, texto="¿Y la VISA?"),
            mensaje(cid(8), ahora, intent="nlu_fallback", fallback=True, texto="y la visa"),
            mensaje(cid(8), ahora, intent=COSTO, fallback=True, texto="pasaporte"),
            mensaje(cid(8), ahora, canal="consola", fallback=True, texto="prueba promotor"),
        ]
    )
    assert cliente.post("/v1/metricas", json=cuerpo, headers=A).status_code == 200
    temas = est.temas_principales(session, hoy)
    assert [(t.intent, t.etiqueta, t.veces) for t in temas] == [
        (COSTO, "Cuánto cuesta", 3),
        ("cotizar", "Cotizar su cuota", 2),
    ]
    fb = est.fallback(session, hoy)
    assert (fb.total_mensajes, fb.no_respondidas) == (13, 3)
    assert fb.tasa == pytest.approx(3 / 13)
    assert [(p.texto, p.veces) for p in fb.preguntas][0][1] == 2
    assert {p.texto for p in fb.preguntas} >= {"pasaporte"}
    assert "prueba promotor" not in {p.texto for p in fb.preguntas}


def test_embudo_por_consulado(cliente, session):
    ahora = datetime.now(UTC)
    viejo = ahora - timedelta(days=60)
    hace = ahora.isoformat()
    cuerpo = [
        {
            "tipo": "registro_iniciado",
            "conversacion": cid(1),
            "canal": "web",
            "en": hace,
            "consulado": "Chicago",
        },
        {"tipo": "registro_iniciado", "conversacion": cid(2), "canal": "web", "en": hace},
        {"tipo": "registro_enviado", "conversacion": cid(2), "folio": "F-2", "en": hace},
        {"tipo": "registro_iniciado", "conversacion": cid(3), "canal": "sms", "en": hace},
        {
            "tipo": "registro_iniciado",
            "conversacion": cid(4),
            "canal": "sms",
            "en": viejo.isoformat(),
        },
    ]
    assert cliente.post("/v1/metricas", json=cuerpo, headers=A).status_code == 200
    _registro(session, "F-2", ahora, consulado="Chicago", estado="pagada", activado=ahora)
    _registro(session, "F-3", ahora, consulado="Dallas", origen="consola")
    # Paid, then erased (ARCO): still submitted and paid in this window.
    _registro(session, "F-4", ahora, consulado="Dallas", estado=m.ESTADO_ELIMINADO, activado=ahora)
    _registro(session, "F-5", viejo, consulado="Dallas")  # outside the window
    session.commit()
    filas = est.embudo_por_consulado(session, est.hoy_mx() - timedelta(days=29))
    assert filas == [
        est.FilaEmbudo("Chicago", iniciados=2, enviados=1, pagados=1),
        est.FilaEmbudo("Dallas", iniciados=1, enviados=2, pagados=1),
        est.FilaEmbudo(est.SIN_CONSULADO, iniciados=1, enviados=0, pagados=0),
    ]
    res = est.resumen(session, dias=30)
    assert res.embudo == filas and len(res.por_dia) == 30 and res.hasta == est.hoy_mx()


# ------------------------------------------------------------------ charts
def test_graficas_escapan_y_muestran_valores():
    malo = "<script>alert(1)</script>"
    svg = str(graficas.barras_horizontales([(malo, 7), ("Cuánto cuesta", 3)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img"' in svg and "<title>" in svg and "style=" not in svg
    assert ">7</text>" in svg and ">3</text>" in svg
    assert 'aria-label="Temas más consultados: &lt;script&gt;alert(1)&lt;/script&gt;, 7;' in svg

    svg = str(graficas.embudo([est.FilaEmbudo(malo + '" onload="x', 5, 4, 2)]))
    assert "<script>" not in svg and 'onload="x' not in svg
    assert ">5</text>" in svg and ">4</text>" in svg and ">2</text>" in svg


def test_grafica_por_dia():
    dias = [
        est.DiaCanal(date(2026, 3, 1), {"whatsapp": 2, "web": 1}),
        est.DiaCanal(date(2026, 3, 2), {"whatsapp": 0, "web": 0}),
        est.DiaCanal(date(2026, 3, 3), {"whatsapp": 4, "web": 0}),
    ]
    svg = str(graficas.barras_apiladas_por_dia(dias))
    assert "WhatsApp" in svg and "Chat web" in svg  # legend
    assert ">3</text>" in svg and ">4</text>" in svg
    assert "7 en total (WhatsApp 6, Chat web 1)" in svg and "3 mar, con 4" in svg
    assert svg.count('class="grafica-barra"') == 3  # zero segments are not drawn
    vacia = str(graficas.barras_apiladas_por_dia([est.DiaCanal(date(2026, 3, 1), {})]))
    assert "Aún no hay datos" in vacia
