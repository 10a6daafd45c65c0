"""Issue 16, item 1: a CURP must not reveal a registration, and folio + CURP must not be enough
to read or erase one. Each test is an attack that worked before (the registration answered
with the folio and the fee; status and DELETE took folio + CURP alone) and fails now."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.tiempo import ahora_utc
from servicio.inscripcion import modelos as m
from servicio.inscripcion import verificacion
from tests.ayudas import A, make_curp, registro_body
from tests.servicio.inscripcion.test_api import _borrado, _codigo, _consulta, _create

pytestmark = pytest.mark.filterwarnings(
    "ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"
)


def test_registering_an_existing_curp_reveals_nothing(client):
    curp, r = _create(client, nombre="Rosa Martínez Luna", email="rosa@example.com")
    victima = r.json()
    # The attacker types the victim's CURP with their own contact data.
    ataque = client.post(
        "/v1/registros",
        headers=A,
        json=registro_body(curp, nombre="Otra Persona", email="yo@example.com"),
    )
    assert ataque.status_code == 409
    cuerpo = ataque.text
    for secreto in (victima["folio"], str(victima["monto_mensual"]), "Rosa", "rosa@example.com"):
        assert secreto not in cuerpo
    (error,) = ataque.json()["detail"]
    assert error["campo"] == "curp"
    assert "Ya hay un prerregistro abierto" in error["mensaje"] and "promotor" in error["mensaje"]
    assert "código" in error["mensaje"]


def test_folio_and_curp_alone_read_nothing(client):
    curp, r = _create(client)
    folio = r.json()["folio"]
    sin_codigo = client.post(
        "/v1/registros/consulta", headers=A, json={"folio": folio, "curp": curp}
    )
    assert sin_codigo.status_code == 422
    assert client.get(f"/v1/registros/{folio}", params={"curp": curp}, headers=A).status_code == 403
    adivinado = _consulta(client, folio, curp, "123456")
    assert adivinado.status_code == 403 and adivinado.json()["detail"][0]["campo"] == "codigo"
    assert "folio" not in adivinado.json()


def test_folio_and_curp_alone_erase_nothing(client, engine):
    curp, r = _create(client)
    folio = r.json()["folio"]
    assert (
        client.delete(f"/v1/registros/{folio}", params={"curp": curp}, headers=A).status_code == 403
    )
    assert _borrado(client, folio, curp, "123456").status_code == 403
    with engine.connect() as conn:
        assert (
            conn.execute(select(m.Registro.curp).where(m.Registro.folio == folio)).scalar() == curp
        )


def test_the_code_is_single_use_bound_to_its_purpose_and_replaced(client, caplog):
    curp, r = _create(client)
    folio = r.json()["folio"]
    de_consulta = _codigo(client, caplog, folio, curp)
    assert len(de_consulta) == 6 and de_consulta.isdigit()
    # A status code cannot erase.
    assert _borrado(client, folio, curp, de_consulta).status_code == 403
    assert _consulta(client, folio, curp, de_consulta).status_code == 200
    assert _consulta(client, folio, curp, de_consulta).status_code == 403  # spent
    primero = _codigo(client, caplog, folio, curp, "borrado")
    segundo = _codigo(client, caplog, folio, curp, "borrado")
    if primero != segundo:  # asking again replaces the code
        assert _borrado(client, folio, curp, primero).status_code == 403
    assert _borrado(client, folio, curp, segundo).status_code == 200


def test_the_code_expires_after_ten_minutes(client, caplog, monkeypatch):
    curp, r = _create(client)
    folio = r.json()["folio"]
    codigo = _codigo(client, caplog, folio, curp)
    despues = ahora_utc() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(verificacion, "ahora_utc", lambda: despues)
    assert _consulta(client, folio, curp, codigo).status_code == 403


def test_the_code_is_stored_hashed_and_logged_without_phone_or_curp(client, engine, caplog):
    curp, r = _create(client, telefono="+1 312 555 0199")
    folio = r.json()["folio"]
    codigo = _codigo(client, caplog, folio, curp)
    (linea,) = [rec.getMessage() for rec in caplog.records if rec.name.endswith("verificacion")]
    assert "SOLO DESARROLLO" in linea and folio in linea
    assert curp not in linea and "3125550199" not in linea and "555" not in linea
    with engine.connect() as conn:
        (fila,) = conn.execute(select(m.CodigoVerificacion)).all()
    assert codigo not in " ".join(str(v) for v in fila) and len(fila.codigo_hash) == 64


def test_failed_attempts_lock_the_folio(client, caplog):
    curp, r = _create(client)
    folio = r.json()["folio"]
    codigo = _codigo(client, caplog, folio, curp)
    incorrecto = "000000" if codigo != "000000" else "111111"
    for i in range(verificacion.MAX_FALLOS):
        # From different conversations: the lock is per folio as well.
        assert _consulta(client, folio, curp, incorrecto, f"conv-{i}").status_code == 403
    bloqueado = _consulta(client, folio, curp, codigo, "conv-nueva")
    assert bloqueado.status_code == 429
    assert "demasiados intentos" in bloqueado.json()["detail"][0]["mensaje"]
    assert "15 minutos" in bloqueado.json()["detail"][0]["mensaje"]
    pedir = client.post(
        "/v1/registros/codigo",
        headers=A,
        json={"folio": folio, "curp": curp, "proposito": "borrado", "conversacion": "otra"},
    )
    assert pedir.status_code == 429
    # After the window, the right code works again.
    despues = ahora_utc() + verificacion.VENTANA + timedelta(seconds=1)
    import servicio.inscripcion.verificacion as mod

    mod_ahora = mod.ahora_utc
    try:
        mod.ahora_utc = lambda: despues
        nuevo = _codigo(client, caplog, folio, curp)
        assert _consulta(client, folio, curp, nuevo).status_code == 200
    finally:
        mod.ahora_utc = mod_ahora


def test_failed_attempts_lock_the_conversation(client, caplog):
    """Guessing CURPs for many folios from one conversation locks that conversation."""
    curp, r = _create(client)
    folio = r.json()["folio"]
    for _ in range(verificacion.MAX_FALLOS):
        assert _consulta(client, folio, make_curp(), "123456", "atacante").status_code == 404
    otro_curp, otro = _create(client)
    otro_folio = otro.json()["folio"]
    assert _consulta(client, otro_folio, otro_curp, "123456", "atacante").status_code == 429
    # The owner, in their own conversation, is not locked out by the attacker's guesses at CURPs
    # for other folios; the attacked folio itself is locked for everyone for a while.
    codigo = _codigo(client, caplog, otro_folio, otro_curp, conversacion="duenio")
    assert _consulta(client, otro_folio, otro_curp, codigo, "duenio").status_code == 200


def test_codes_sent_are_capped_per_folio(client, caplog):
    curp, r = _create(client)
    folio = r.json()["folio"]
    for _ in range(verificacion.MAX_ENVIOS):
        _codigo(client, caplog, folio, curp)
    r = client.post(
        "/v1/registros/codigo",
        headers=A,
        json={"folio": folio, "curp": curp, "proposito": "consulta"},
    )
    assert r.status_code == 429 and "varios códigos" in r.json()["detail"][0]["mensaje"]


def test_with_twilio_the_code_goes_to_the_phone_on_file_and_not_to_the_log(
    client, caplog, monkeypatch
):
    from servicio import twilio_salida

    curp, r = _create(client, telefono="+1 312 555 0188")
    folio = r.json()["folio"]
    enviados = []
    monkeypatch.setattr(twilio_salida, "configurado", lambda medio, ajustes=None: medio == "sms")

    def enviar(medio, telefono, texto, http_client=None, *, ticket=None, ajustes=None):
        enviados.append((medio, telefono, texto, ticket))
        return True

    monkeypatch.setattr(twilio_salida, "enviar", enviar)
    caplog.set_level(logging.DEBUG)
    pedir = client.post(
        "/v1/registros/codigo",
        headers=A,
        json={"folio": folio, "curp": curp, "proposito": "borrado"},
    )
    assert pedir.status_code == 200 and pedir.json()["medio"] == "sms"
    ((medio, telefono, texto, ticket),) = enviados
    assert (medio, telefono, ticket) == ("sms", "+13125550188", folio)
    codigo = texto.split(" es ", 1)[1][:6]
    assert "borrar tus datos" in texto and "10 minutos" in texto
    assert codigo not in "\n".join(rec.getMessage() for rec in caplog.records)
    assert _borrado(client, folio, curp, codigo).status_code == 200


def test_a_failed_send_is_a_spanish_503_and_stores_no_code(client, engine, monkeypatch):
    from servicio import twilio_salida

    curp, r = _create(client)
    folio = r.json()["folio"]
    monkeypatch.setattr(twilio_salida, "configurado", lambda medio, ajustes=None: True)
    monkeypatch.setattr(twilio_salida, "enviar", lambda *a, **k: False)
    pedir = client.post(
        "/v1/registros/codigo",
        headers=A,
        json={"folio": folio, "curp": curp, "proposito": "consulta"},
    )
    assert pedir.status_code == 503 and "promotor" in pedir.json()["detail"][0]["mensaje"]
    with engine.connect() as conn:
        assert conn.execute(select(m.CodigoVerificacion)).all() == []


def test_a_deployment_never_writes_codes_to_the_log(db_url, caplog):
    """ORIENTA_CODIGOS_EN_BITACORA=false (deploy/): without Twilio there is no code at all."""
    from fastapi.testclient import TestClient

    from servicio.inscripcion.ajustes import AjustesServicio
    from servicio.inscripcion.app import crear_app
    from tests.ayudas import ADMIN_KEY, ASSISTANT_KEY

    app = crear_app(
        AjustesServicio(
            database_url=db_url,
            assistant_api_key=ASSISTANT_KEY,
            admin_api_key=ADMIN_KEY,
            codigos_en_bitacora=False,
        )
    )
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        curp, r = _create(client)
        folio = r.json()["folio"]
        pedir = client.post(
            "/v1/registros/codigo",
            headers=A,
            json={"folio": folio, "curp": curp, "proposito": "consulta"},
        )
    app.state.engine.dispose()
    assert pedir.status_code == 503 and "promotor" in pedir.json()["detail"][0]["mensaje"]
    assert not any("SOLO DESARROLLO" in rec.getMessage() for rec in caplog.records)
