"""Issue 16, item 7: erasure is a cascade. Before, "borrar mis datos" cleared the registration's
fields but left the stored fee (it reveals the income), the person's cases and their replies, the
tickets' idempotency replays (address and summary in clear), the funnel and metric rows of their
conversations and the phone's signed-contact row. The test registers, talks on two channels
(WhatsApp, where the registration was submitted, and the web chat, where the erasure is asked),
opens a case on each, gets a promoter's reply, deletes, then searches every table for the CURP,
name, e-mail and phone and finds nothing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, inspect, select, text

from bot.analitica import conversacion_id
from servicio.inscripcion import modelos as m
from tests.ayudas import ADMIN, A, make_curp, registro_body
from tests.servicio.inscripcion.test_api import _borrado, _codigo

pytestmark = pytest.mark.filterwarnings(
    "ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"
)

NOMBRE, EMAIL = "Rosa Martínez Luna", "rosa.martinez@example.com"
TELEFONO = "+13125550177"
WHATSAPP, WEB = "tw-0123456789abcdef0123", "web-5f1c2d3e4b5a69788796"
AHORA = datetime.now(timezone.utc).isoformat()


def _rastros(engine, *secretos: str) -> dict[str, list]:
    """Every row of every table (all columns as text) holding one of ``secretos``."""
    hallados: dict[str, list] = {}
    with engine.connect() as conn:
        for tabla in inspect(conn).get_table_names():
            if tabla == "alembic_version":
                continue
            for fila in conn.execute(text(f'SELECT * FROM "{tabla}"')):
                valores = " ".join(str(v) for v in fila if v is not None)
                if any(s in valores for s in secretos):
                    hallados.setdefault(tabla, []).append(tuple(fila))
    return hallados


def test_erasure_leaves_nothing_of_the_person_in_any_table(client, engine, caplog):
    curp = make_curp()
    secretos = (curp, NOMBRE, "Rosa", EMAIL, TELEFONO, "3125550177", "555-0177")

    # Registered from WhatsApp; the funnel row of that conversation gets the folio.
    r = client.post(
        "/v1/registros",
        headers={**A, "Idempotency-Key": "reg-1"},
        json=registro_body(curp, nombre=NOMBRE, email=EMAIL, telefono=TELEFONO),
    )
    assert r.status_code == 201, r.text
    folio, monto = r.json()["folio"], r.json()["monto_mensual"]
    wa, web = conversacion_id(WHATSAPP), conversacion_id(WEB)
    metricas = [
        {"tipo": "registro_iniciado", "conversacion": wa, "canal": "whatsapp", "en": AHORA},
        {"tipo": "registro_enviado", "conversacion": wa, "folio": folio, "en": AHORA},
        {"tipo": "mensaje", "conversacion": wa, "canal": "whatsapp", "en": AHORA,
         "intent": "inscribirme", "confianza": 0.9, "fallback": False},
        # Later, on the web chat: a question it could not answer, then "borrar mis datos".
        {"tipo": "mensaje", "conversacion": web, "canal": "web", "en": AHORA,
         "intent": None, "confianza": 0.1, "fallback": True, "texto": "soy Rosa, no me llega nada"},
    ]  # fmt: skip
    assert client.post("/v1/metricas", headers=A, json=metricas).status_code == 200
    # A case on each channel (idempotent, like the assistant's), and a promoter's reply.
    casos = []
    for canal, direccion, clave in (("whatsapp", TELEFONO, "caso-1"), ("web", WEB, "caso-2")):
        c = client.post(
            "/v1/canalizaciones",
            headers={**A, "Idempotency-Key": clave},
            json={
                "resumen": f"Dudas de {NOMBRE}",
                "canal": canal,
                "direccion_canal": direccion,
                # The conversation before the handoff becomes the thread's first messages.
                "historial": [{"autor": "persona", "texto": f"soy {NOMBRE}, mi cel {TELEFONO}"}],
            },
        )
        assert c.status_code == 201, c.text
        casos.append(c.json()["id"])
    # What the person writes during the handoff is in the thread too.
    escrito = client.post(
        f"/v1/canalizaciones/{casos[1]}/mensajes",
        headers=A,
        json={
            "canal": "web",
            "direccion": WEB,
            "texto": f"mi correo es {EMAIL}",
            "id_externo": "m1",
        },
    )
    assert escrito.status_code == 200, escrito.text
    cerrado = client.post(
        f"/v1/canalizaciones/{casos[0]}/cerrar",
        headers=ADMIN,
        json={"respuesta": "Hola Rosa, te esperamos el lunes."},
    )
    assert cerrado.status_code == 200, cerrado.text
    with engine.begin() as conn:  # WhatsApp wrote to us in a signed request
        conn.execute(
            m.ContactoFirmado.__table__.insert().values(
                medio="whatsapp", telefono=TELEFONO, ultimo_en=datetime.now(timezone.utc)
            )
        )
    antes = _rastros(engine, *secretos)
    assert {"registros", "canalizaciones", "respuestas_canalizacion", "idempotency_keys"} <= set(
        antes
    ), antes

    codigo = _codigo(client, caplog, folio, curp, "borrado", conversacion=WEB)
    d = _borrado(client, folio, curp, codigo, conversacion=WEB)
    assert d.status_code == 200, d.text
    # The assistant is told which conversations (by hash) to erase from its tracker store.
    assert sorted(d.json()["conversaciones"]) == sorted({wa, web})

    assert _rastros(engine, *secretos) == {}
    with engine.connect() as conn:
        reg = conn.execute(select(m.Registro).where(m.Registro.folio == folio)).one()
        assert reg.monto_mensual is None and reg.estado == "eliminado"
        assert str(monto) not in " ".join(str(v) for v in reg if v is not None)
        for tabla in (m.Canalizacion, m.RespuestaCanalizacion, m.ContactoFirmado, m.IdempotencyKey):
            assert conn.execute(select(func.count()).select_from(tabla)).scalar() == 0, tabla
        # Both conversations' metric and funnel rows went with it.
        for tabla in (m.MetricaMensaje, m.EmbudoConversacion):
            assert conn.execute(select(func.count()).select_from(tabla)).scalar() == 0, tabla
    # The admin API still answers for the folio, as erased, with no fee.
    g = client.get(f"/v1/registros/{folio}", params={"curp": curp}, headers=ADMIN)
    assert g.status_code == 404


def test_erasure_keeps_other_peoples_rows(client, engine, caplog):
    curp = make_curp()
    r = client.post("/v1/registros", headers=A, json=registro_body(curp, telefono=TELEFONO))
    folio = r.json()["folio"]
    otro = client.post(
        "/v1/canalizaciones",
        headers=A,
        json={"resumen": "Otra persona", "canal": "web", "direccion_canal": "web-otra"},
    )
    assert otro.status_code == 201
    metrica = {"tipo": "mensaje", "conversacion": conversacion_id("web-otra"), "canal": "web",
               "en": AHORA, "intent": "saludo", "confianza": 0.9, "fallback": False}  # fmt: skip
    client.post("/v1/metricas", headers=A, json=[metrica])
    codigo = _codigo(client, caplog, folio, curp, "borrado", conversacion=WEB)
    assert _borrado(client, folio, curp, codigo, conversacion=WEB).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Canalizacion)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(m.MetricaMensaje)).scalar() == 1


def test_erasure_takes_the_case_its_notices_and_reminders(app, client, engine, caplog):
    """Issue 15: what the promoter copied from IMSS (NSS, línea), the closing reason, the
    conversation's address, the pending notices and the monthly reminder rows go too."""
    from servicio import recordatorios as job

    curp, nss, linea = make_curp(), "12345678903", "IMSS1234567890AB"
    cuerpo = registro_body(
        curp, telefono=TELEFONO, canal="web", direccion_canal=WEB, recordatorios=True
    )
    folio = client.post("/v1/registros", headers=A, json=cuerpo).json()["folio"]
    for destino, campos in (
        ("en_proceso", {}),
        (
            "hecha_en_imss",
            {"nss": nss, "linea_captura": linea, "linea_monto": "99.10",
             "linea_vence_en": "2026-12-20"},
        ),
    ):  # fmt: skip
        r = client.post(
            f"/v1/registros/{folio}/estado", headers=ADMIN, json={"destino": destino, **campos}
        )
        assert r.status_code == 200, r.text
    with app.state.sessionmaker() as s:
        resumen = job.correr(
            s, datetime(2026, 12, 17, 16, 0, tzinfo=timezone.utc), _SinTwilio(), None
        )
    assert resumen.enviados == {"web": 1}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Aviso)).scalar() == 3
        assert conn.execute(select(func.count()).select_from(m.RecordatorioMes)).scalar() == 1
    assert _rastros(engine, nss, linea, WEB)

    codigo = _codigo(client, caplog, folio, curp, "borrado", conversacion=WEB)
    assert _borrado(client, folio, curp, codigo, conversacion=WEB).status_code == 200
    assert _rastros(engine, curp, nss, linea, WEB, TELEFONO) == {}
    with engine.connect() as conn:
        for tabla in (m.Aviso, m.RecordatorioMes):
            assert conn.execute(select(func.count()).select_from(tabla)).scalar() == 0, tabla
        reg = conn.execute(select(m.Registro).where(m.Registro.folio == folio)).one()
        assert reg.recordatorios is False and reg.linea_monto is None


class _SinTwilio:
    def configurado(self, medio):
        return False

    def texto(self, medio, telefono, texto):  # pragma: no cover - never configured
        raise AssertionError

    def plantilla(self, telefono, content_sid, variables):  # pragma: no cover
        raise AssertionError


DOMICILIO = {
    "domicilio_estado": "Michoacán",
    "domicilio_municipio": "Zinapécuaro",
    "domicilio_cp": "58930",
    "domicilio_colonia": "Barrio Alto",
}


def test_erasure_takes_the_nss_and_the_mexican_address(client, engine, caplog):
    curp, nss = make_curp(), "12345678903"
    cuerpo = registro_body(curp, telefono=TELEFONO, nss=nss, **DOMICILIO)
    r = client.post("/v1/registros", headers=A, json=cuerpo)
    assert r.status_code == 201, r.text
    folio = r.json()["folio"]
    secretos = (nss, *DOMICILIO.values())
    assert set(_rastros(engine, *secretos)) == {"registros"}

    codigo = _codigo(client, caplog, folio, curp, "borrado", conversacion=WEB)
    assert _borrado(client, folio, curp, codigo, conversacion=WEB).status_code == 200
    assert _rastros(engine, *secretos) == {}
