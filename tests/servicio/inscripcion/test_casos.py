"""Issue 15: the pre-registration as a case. The promoter's moves through the admin API (the
console's are in tests/servicio/consola/test_rutas.py), the 409 on an illegal one, the audit row
and the person's notice of each, its delivery with the next message, the línea de captura only
after the one-time code, and the reminders' opt-out endpoint."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot import recordatorios
from servicio.inscripcion import casos
from servicio.inscripcion import modelos as m
from tests.ayudas import ADMIN, A, make_curp, registro_body
from tests.servicio.inscripcion.test_api import _codigo, _consulta

pytestmark = pytest.mark.filterwarnings(
    "ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"
)

WEB = "web-0123456789abcdef"
LINEA = {
    "nss": "12345678903",
    "linea_captura": "IMSS1234567890AB",
    "linea_monto": "1520.50",
    "linea_vence_en": "2026-12-20",
}


def _registrar(client, **kw) -> tuple[str, str]:
    curp = make_curp()
    cuerpo = registro_body(curp, canal="web", direccion_canal=WEB, recordatorios=True, **kw)
    r = client.post("/v1/registros", headers=A, json=cuerpo)
    assert r.status_code == 201, r.text
    assert r.json()["estado"] == "recibida" and r.json()["recordatorios"] is True
    return curp, r.json()["folio"]


def _mover(client, folio, destino, **campos):
    return client.post(
        f"/v1/registros/{folio}/estado", headers=ADMIN, json={"destino": destino, **campos}
    )


def _acciones(engine, folio) -> list[m.Auditoria]:
    with engine.connect() as conn:
        return list(conn.execute(select(m.Auditoria).where(m.Auditoria.folio == folio)))


def test_the_path_to_hecha_en_imss_with_audit_and_notices(client, engine):
    _, folio = _registrar(client)
    assert _mover(client, folio, "en_proceso").status_code == 200
    sin_linea = _mover(client, folio, "hecha_en_imss", nss=LINEA["nss"])
    assert sin_linea.status_code == 422
    assert "Falta: Línea de captura" in sin_linea.json()["detail"][0]["mensaje"]
    malo = _mover(client, folio, "hecha_en_imss", **{**LINEA, "linea_monto": "mil"})
    assert malo.status_code == 422 and malo.json()["detail"][0]["campo"] == "linea_monto"
    r = _mover(client, folio, "hecha_en_imss", **LINEA)
    assert r.status_code == 200, r.text
    cuerpo = r.json()
    assert cuerpo["estado"] == "hecha_en_imss"
    assert cuerpo["linea_imss"]["linea_captura"] == "IMSS1234567890AB"
    assert cuerpo["linea_imss"]["monto"] == 1520.5
    assert cuerpo["linea_imss"]["vence_el"] == "2026-12-20"
    filas = _acciones(engine, folio)
    assert [f.accion for f in filas] == [
        "registro_creado",
        "estado_en_proceso",
        "estado_hecha_en_imss",
    ]
    assert filas[-1].actor == "api:admin"
    # The web person gets both notices with their next message, once, without the línea.
    web = {"canal": "web", "direccion": WEB}
    avisos = client.post("/v1/avisos/entregas", headers=A, json=web).json()["avisos"]
    assert len(avisos) == 2 and "en proceso" in avisos[0] and "línea de captura" in avisos[1]
    assert "IMSS1234567890AB" not in " ".join(avisos)
    otra = client.post("/v1/avisos/entregas", headers=A, json=web)
    assert otra.json()["avisos"] == []


@pytest.mark.parametrize(
    ("pasos", "destino"),
    [
        ([], "hecha_en_imss"),
        ([], "pagada"),
        (["en_proceso"], "clinica_asignada"),
        (["cerrada"], "en_proceso"),
        ([], "eliminado"),
        ([], "inventado"),
    ],
)
def test_an_illegal_move_is_a_409_in_spanish_and_changes_nothing(client, engine, pasos, destino):
    _, folio = _registrar(client)
    for paso in pasos:
        assert _mover(client, folio, paso, motivo="Ya no lo necesita").status_code == 200
    r = _mover(client, folio, destino, **LINEA)
    assert r.status_code == 409 and "No se puede pasar" in r.json()["detail"][0]["mensaje"]
    assert len(_acciones(engine, folio)) == 1 + len(pasos)


def test_closing_frees_the_curp_for_a_new_request(client):
    curp, folio = _registrar(client)
    assert _mover(client, folio, "cerrada").status_code == 422  # a reason is required
    assert _mover(client, folio, "cerrada", motivo="Se mudó").status_code == 200
    r = client.post("/v1/registros", headers=A, json=registro_body(curp))
    assert r.status_code == 201 and r.json()["folio"] != folio


def test_the_linea_only_with_the_code(client, caplog):
    curp, folio = _registrar(client)
    _mover(client, folio, "en_proceso")
    _mover(client, folio, "hecha_en_imss", **LINEA)
    r = _consulta(client, folio, curp, _codigo(client, caplog, folio, curp))
    assert r.status_code == 200
    cuerpo = r.json()
    assert cuerpo["estado_etiqueta"] == "trámite hecho en el IMSS; falta el pago"
    assert "Según lo que registró la promotora" in cuerpo["siguiente_paso"]
    assert cuerpo["linea_imss"]["linea_captura"] == "IMSS1234567890AB"
    assert "Emitida por el IMSS" in cuerpo["linea_imss"]["nota"]


def test_a_notice_goes_by_twilio_when_the_number_wrote_to_us(app, client, engine):
    _, folio = _registrar(client, telefono="+13125550100")
    with engine.begin() as conn:
        conn.execute(
            m.ContactoFirmado.__table__.insert().values(
                medio="whatsapp", telefono="+13125550100", ultimo_en=datetime.now(timezone.utc)
            )
        )
    enviados = []
    with app.state.sessionmaker() as session:
        hecho = casos.mover(
            session,
            folio,
            "en_proceso",
            {},
            "promotor:1",
            enviar=lambda medio, tel, texto: enviados.append((medio, tel, texto)) or True,
        )
        assert hecho.aviso is not None and hecho.aviso.entregado_via == "twilio"
    assert enviados and enviados[0][:2] == ("whatsapp", "+13125550100")
    # Already delivered: the next web message does not show it again.
    r = client.post("/v1/avisos/entregas", headers=A, json={"canal": "web", "direccion": WEB})
    assert r.json()["avisos"] == []


def test_a_failed_twilio_send_leaves_the_notice_for_the_next_message(app, client, engine):
    _, folio = _registrar(client, telefono="+13125550101")
    with engine.begin() as conn:
        conn.execute(
            m.ContactoFirmado.__table__.insert().values(
                medio="telefono", telefono="+13125550101", ultimo_en=datetime.now(timezone.utc)
            )
        )
    with app.state.sessionmaker() as session:
        hecho = casos.mover(session, folio, "en_proceso", {}, "promotor:1", enviar=lambda *a: False)
        assert hecho.aviso.entregado_en is None
    r = client.post("/v1/avisos/entregas", headers=A, json={"canal": "web", "direccion": WEB})
    assert len(r.json()["avisos"]) == 1


@pytest.mark.parametrize(
    ("canal", "direccion"), [("whatsapp", "whatsapp:+13125550102"), ("telefono", "+13125550102")]
)
def test_opt_out_by_phone_is_immediate_and_confirmed(client, engine, canal, direccion):
    _, folio = _registrar(client, telefono="+13125550102")
    r = client.post(
        "/v1/recordatorios/baja", headers=A, json={"canal": canal, "direccion": direccion}
    )
    assert r.status_code == 200
    assert r.json() == {"registros": 1, "mensaje": recordatorios.CONFIRMACION_BAJA}
    assert "escribe RECORDATORIOS" in r.json()["mensaje"]
    with engine.connect() as conn:
        reg = conn.execute(select(m.Registro).where(m.Registro.folio == folio)).one()
    assert reg.recordatorios is False
    assert [f.accion for f in _acciones(engine, folio)][-1] == "recordatorios_baja"
    alta = client.post(
        "/v1/recordatorios/alta", headers=A, json={"canal": canal, "direccion": direccion}
    )
    assert alta.json()["registros"] == 1


def test_opt_out_from_the_web_chat_and_someone_elses_address(client):
    _registrar(client)
    otra = client.post(
        "/v1/recordatorios/baja", headers=A, json={"canal": "web", "direccion": "web-otra"}
    )
    assert otra.json()["registros"] == 0
    mia = client.post("/v1/recordatorios/baja", headers=A, json={"canal": "web", "direccion": WEB})
    assert mia.json()["registros"] == 1
