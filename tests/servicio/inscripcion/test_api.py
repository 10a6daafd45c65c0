"""API tests; each runs on SQLite and on PostgreSQL (see conftest)."""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot import lectura
from bot.cuota import cuota_en
from bot.validacion import ErrorValidacion
from servicio.inscripcion import modelos as m
from servicio.inscripcion.operaciones import fecha_de_tarifa
from tests.ayudas import ADMIN, ADMIN_KEY, ASSISTANT_KEY, A, make_curp, make_nss, registro_body

pytestmark = pytest.mark.filterwarnings(
    "ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"
)

# ------------------------------------------------------------------ health & basics


def test_health_ok(client):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_health_503_when_database_down(client, app):
    from servicio.inscripcion.bd import crear_motor

    good = app.state.engine
    app.state.engine = crear_motor("postgresql+psycopg2://postgres@127.0.0.1:1/nada")
    try:
        r = client.get("/health")
    finally:
        app.state.engine.dispose()
        app.state.engine = good
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "error"}


def test_unknown_route_is_spanish_404(client):
    r = client.get("/v1/no-existe", headers=A)
    assert r.status_code == 404
    assert r.json()["detail"][0]["mensaje"] == "Recurso no encontrado."


def test_openapi_documents_v1(client):
    spec = client.get("/openapi.json").json()
    for path in [
        "/v1/cotizaciones",
        "/v1/registros",
        "/v1/registros/{folio}",
        "/v1/registros/consulta",
        "/v1/registros/codigo",
        "/v1/registros/borrado",
        "/v1/registros/{folio}/estado",
        "/v1/recordatorios/baja",
        "/v1/avisos/entregas",
        "/v1/canalizaciones",
        "/v1/canalizaciones/{ticket_id}/cerrar",
        "/health",
    ]:
        assert path in spec["paths"], path


# ------------------------------------------------------------------ auth

PROTECTED = [
    ("post", "/v1/cotizaciones"),
    ("post", "/v1/registros"),
    ("post", "/v1/registros/consulta"),
    ("post", "/v1/registros/codigo"),
    ("post", "/v1/registros/borrado"),
    ("get", "/v1/registros/OR-X?curp=X"),
    ("post", "/v1/registros/OR-X/estado"),
    ("post", "/v1/recordatorios/baja"),
    ("post", "/v1/avisos/entregas"),
    ("delete", "/v1/registros/OR-X?curp=X"),
    ("post", "/v1/canalizaciones"),
    ("get", "/v1/canalizaciones"),
    ("post", "/v1/canalizaciones/1/cerrar"),
]
ADMIN_ONLY = [
    ("post", "/v1/registros/OR-X/estado"),
    # Folio + CURP prove nothing: without a code, status and erasure are a promoter's.
    ("get", "/v1/registros/OR-X?curp=X"),
    ("delete", "/v1/registros/OR-X?curp=X"),
    ("get", "/v1/canalizaciones?estado=abierta"),
    ("post", "/v1/canalizaciones/1/cerrar"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "clave-incorrecta-1234567890"}])
def test_401_without_or_with_wrong_key(client, method, path, headers):
    r = client.request(method, path, headers=headers, json={})
    assert r.status_code == 401
    assert "X-API-Key" in r.json()["detail"][0]["mensaje"]


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_403_assistant_key_on_admin_endpoint(client, method, path):
    r = client.request(method, path, headers=A)
    assert r.status_code == 403
    assert "administración" in r.json()["detail"][0]["mensaje"]


def test_app_refuses_to_start_without_keys(db_url):
    from servicio.inscripcion.ajustes import AjustesServicio, FaltanSecretos
    from servicio.inscripcion.app import crear_app

    with pytest.raises(FaltanSecretos, match="ORIENTA_ADMIN_API_KEY"):
        crear_app(
            AjustesServicio(database_url=db_url, assistant_api_key="x" * 20, admin_api_key=None)
        )


def test_body_too_large_413(client):
    r = client.post(
        "/v1/canalizaciones",
        headers=A,
        json={"resumen": "x" * 20000, "canal": "web", "direccion_canal": "a"},
    )
    assert r.status_code == 413
    assert "límite" in r.json()["detail"][0]["mensaje"]


# ------------------------------------------------------------------ cotizaciones


def test_quote_mxn(client):
    r = client.post("/v1/cotizaciones", headers=A, json={"ingreso_mensual": 10000, "anio": 2026})
    assert r.status_code == 200
    body = r.json()
    assert body["estimacion"] is True and "no un cálculo del IMSS" in body["aviso"]
    assert body["fecha"] == "2026-02-01" and body["anio"] == 2026 and body["anio_valores"] is None
    # facts-addendum §2.4: 10,000 a month in 2026 is ≈ 2,218 before the RT premium (+100 per 1 %)
    assert body["total_mensual"] == 2217.61
    assert body["rango"] == {"minimo": 2217.61, "maximo": 2317.61}
    assert body["riesgo_trabajo"]["supuesto"] is True
    assert body["riesgo_trabajo"]["prima_maxima_supuesta"] == 1
    assert body["totales_por_periodo"] == {
        "1": 2217.61,
        "2": 4435.22,
        "3": 6652.83,
        "6": 13305.66,
        "12": 26611.32,
    }
    assert body["cesantia_vejez"] == {
        "anio": 2026,
        "banda": "2.51 a 3.00 UMA",
        "tasa_patron": 6.026,
        "incierto": False,
    }
    assert body["piso"]["mensual"] == 9577.22 and body["piso"]["supuesto"] is True
    assert body["tope"]["mensual"] == 89155.6
    assert body["tabla_version"] == "2026.2"
    assert any("leyes-mx.com" in f for f in body["fuentes"])  # LSS art. 227
    assert any("cronista.com" in f for f in body["fuentes"])  # the 2026 Cesantía y Vejez column
    assert body["dias_por_mes"] == 30.4
    assert len(body["desglose"]) == 8
    assert all(d["fundamento"] for d in body["desglose"])
    assert body["tipo_cambio"] is None and body["tipo_cambio_supuesto"] is False
    assert [a["clave"] for a in body["avisos"]] == ["riesgo_trabajo"]
    ref = body["referencia_imss"]
    assert "1,700 pesos" in ref["texto"] and "ingreso mínimo de 2025" in ref["texto"]
    assert ref["calculadora"] == "www.imss.gob.mx/personas-trabajadoras-independientes"


def test_quote_matches_response_model(client):
    from servicio.inscripcion.esquemas import CotizacionOut

    for body in ({"ingreso_mensual": 15000.5}, {"ingreso_mensual": 900, "moneda": "USD"}):
        r = client.post("/v1/cotizaciones", headers=A, json={**body, "anio": 2026})
        assert r.status_code == 200
        parsed = CotizacionOut.parse_obj(r.json())
        assert set(r.json()) == set(CotizacionOut.__fields__)
        assert set(r.json()["desglose"][0]) == set(parsed.desglose[0].__fields__)


def test_quote_usd_explicit_rate_echoed(client):
    r = client.post(
        "/v1/cotizaciones",
        headers=A,
        json={"ingreso_mensual": 1000, "moneda": "USD", "tipo_cambio": 17.25, "anio": 2026},
    )
    assert r.status_code == 200
    assert r.json()["tipo_cambio"] == 17.25 and r.json()["tipo_cambio_supuesto"] is False
    assert r.json()["ingreso_declarado_mxn"] == 17250.0


def test_quote_usd_default_rate_from_settings_is_labelled_assumed(client, settings):
    r = client.post(
        "/v1/cotizaciones", headers=A, json={"ingreso_mensual": 1000, "moneda": "USD", "anio": 2026}
    )
    assert r.status_code == 200
    assert r.json()["tipo_cambio"] == float(settings.tipo_cambio_usd_mxn)
    assert r.json()["tipo_cambio_supuesto"] is True
    assert r.json()["ingreso_declarado_mxn"] == float(1000 * settings.tipo_cambio_usd_mxn)


@pytest.mark.parametrize(
    ("income", "ajuste", "base", "fragmento"),
    [(5000, "piso", 9577.22, "$9,577"), (100000, "tope", 89155.6, "25 UMA")],
)
def test_quote_outside_the_bounds_is_estimated_at_the_bound(
    client, income, ajuste, base, fragmento
):
    r = client.post("/v1/cotizaciones", headers=A, json={"ingreso_mensual": income, "anio": 2026})
    assert r.status_code == 200
    body = r.json()
    assert body["ajuste"] == ajuste and body["ingreso_mensual_mxn"] == base
    assert body["ingreso_declarado_mxn"] == income
    aviso = next(a["texto"] for a in body["avisos"] if a["clave"] == ajuste)
    assert fragmento in aviso and "confírmalo con el IMSS" in aviso


def test_quote_for_a_year_without_table_uses_the_latest_and_says_so(client):
    r = client.post("/v1/cotizaciones", headers=A, json={"ingreso_mensual": 12000, "anio": 2031})
    assert r.status_code == 200
    body = r.json()
    assert body["anio"] == 2031 and body["anio_valores"] == 2026
    assert body["avisos"][0]["texto"].startswith("Estimación con valores de 2026")


@pytest.mark.parametrize(
    ("fecha", "sm", "uma", "cesantia"),
    [
        ("2026-12-15", (2026, 2026), (2026, 2026), (2026, False)),
        ("2027-01-01", (2027, 2026), (2026, 2026), (2027, True)),
        ("2027-01-15", (2027, 2026), (2026, 2026), (2027, True)),
        ("2027-02-15", (2027, 2026), (2027, 2026), (2027, True)),
    ],
)
def test_quote_on_a_fixed_date_switches_each_value_on_its_own_day(client, fecha, sm, uma, cesantia):
    r = client.post("/v1/cotizaciones", headers=A, json={"ingreso_mensual": 15000, "fecha": fecha})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["fecha"] == fecha
    assert (body["salario_minimo"]["anio"], body["salario_minimo"]["anio_tabla"]) == sm
    assert (body["uma"]["anio"], body["uma"]["anio_tabla"]) == uma
    assert (body["cesantia_vejez"]["anio"], body["cesantia_vejez"]["incierto"]) == cesantia
    otro = [a for a in body["avisos"] if a["clave"] == "valores_de_otro_anio"]
    assert bool(otro) == (fecha >= "2027")


@pytest.mark.parametrize(
    ("body", "campo"),
    [
        ({"ingreso_mensual": 12000, "moneda": "EUR"}, "moneda"),
        ({"ingreso_mensual": -5}, "ingreso_mensual"),
        ({"ingreso_mensual": "doce"}, "ingreso_mensual"),
        ({}, "ingreso_mensual"),
        ({"ingreso_mensual": 12000, "extra": 1}, "extra"),
    ],
)
def test_quote_validation_errors(client, body, campo):
    r = client.post("/v1/cotizaciones", headers=A, json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["campo"] == campo
    assert r.json()["detail"][0]["mensaje"]


def test_invalid_json_422(client):
    r = client.post(
        "/v1/cotizaciones", headers={**A, "Content-Type": "application/json"}, content=b"{no json"
    )
    assert r.status_code == 422
    assert "JSON" in r.json()["detail"][0]["mensaje"]


# ------------------------------------------------------------------ registros


def _create(client, curp=None, **kw):
    curp = curp or make_curp()
    r = client.post("/v1/registros", headers=A, json=registro_body(curp, **kw))
    assert r.status_code == 201, r.text
    return curp, r


def _codigo(client, caplog, folio, curp, proposito="consulta", conversacion="conv-1"):
    """Ask for a code and read it where embedded defaults put it: the service's log."""
    caplog.set_level(logging.INFO, logger="orienta.enrollment.verificacion")
    caplog.clear()
    r = client.post(
        "/v1/registros/codigo",
        headers=A,
        json={"folio": folio, "curp": curp, "proposito": proposito, "conversacion": conversacion},
    )
    assert r.status_code == 200, r.text
    assert r.json()["medio"] == "desarrollo" and r.json()["enviado"] is True
    (linea,) = [
        rec.getMessage() for rec in caplog.records if rec.name == "orienta.enrollment.verificacion"
    ]
    return linea.rsplit(" ", 1)[-1]


def _consulta(client, folio, curp, codigo, conversacion="conv-1"):
    return client.post(
        "/v1/registros/consulta",
        headers=A,
        json={"folio": folio, "curp": curp, "codigo": codigo, "conversacion": conversacion},
    )


def _borrado(client, folio, curp, codigo, conversacion="conv-1"):
    return client.post(
        "/v1/registros/borrado",
        headers=A,
        json={"folio": folio, "curp": curp, "codigo": codigo, "conversacion": conversacion},
    )


def test_registro_created_then_idempotent_by_curp(client, engine):
    curp, r1 = _create(client, nss=make_nss())
    assert r1.status_code == 201
    b1 = r1.json()
    assert b1["folio"].startswith("OR-")
    assert b1["estado"] == "recibida" and b1["recordatorios"] is False
    esperado = float(cuota_en(Decimal(12000), fecha_de_tarifa()).total_mensual)
    assert b1["monto_mensual"] == esperado and b1["estimacion"] is True
    # A request to the consulate's desk: no payment reference of ours (only IMSS issues one).
    assert b1["linea_imss"] is None and "no es una inscripción al IMSS" in b1["que_es"]
    # Same CURP, lower case and different other data: no second registration (409, see
    # test_registering_an_existing_curp_reveals_nothing).
    r2 = client.post(
        "/v1/registros", headers=A, json=registro_body(curp.lower(), nombre="Otro Nombre")
    )
    assert r2.status_code == 409 and r2.json()["detail"][0]["campo"] == "curp"
    with engine.connect() as conn:
        row = conn.execute(select(m.Registro).where(m.Registro.curp == curp)).one()
        assert row.telefono == "+13125551234" and row.sexo == "H"
        assert row.linea_captura is None and row.linea_vence_en is None and row.linea_monto is None
        assert row.estado_nacimiento == "JC" and str(row.fecha_nacimiento) == "1985-03-12"
        assert row.aviso_privacidad_version == "2026-01"
        assert conn.execute(select(func.count()).select_from(m.Registro)).scalar() == 1


@pytest.mark.parametrize(
    "instante",
    [
        datetime(2027, 1, 1, 6, 30, tzinfo=timezone.utc),  # 00:30 on 1 January in Mexico City
        datetime(2027, 1, 15, 18, tzinfo=timezone.utc),
    ],
)
def test_registro_in_january_2027_works_with_the_2026_values(client, monkeypatch, instante):
    from servicio.inscripcion import operaciones

    monkeypatch.setattr(operaciones, "ahora_utc", lambda: instante)
    body = registro_body(
        make_curp(),
        consentimiento={"version_aviso": "2026-01", "aceptado_en": instante.isoformat()},
    )
    r = client.post("/v1/registros", headers=A, json=body)
    assert r.status_code == 201, r.text
    esperado = cuota_en(Decimal(12000), instante.date())
    assert r.json()["anio_tarifa"] == 2027
    assert r.json()["monto_mensual"] == float(esperado.total_mensual)
    assert esperado.anio_valores == 2026


def test_registro_usd_uses_rate(client, engine):
    curp, r = _create(client, ingreso_mensual=1000, moneda="USD", tipo_cambio=17.0)
    with engine.connect() as conn:
        row = conn.execute(select(m.Registro).where(m.Registro.curp == curp)).one()
    assert float(row.ingreso_mensual_mxn) == 17000.0 and float(row.tipo_cambio) == 17.0


BAD_FIELDS = [
    ({"curp": "GOMC850312HJCRRR01X"}, "curp", "18 caracteres"),
    ({"email": "no-es-correo"}, "email", "correo"),
    ({"telefono": "555-12"}, "telefono", "10 dígitos"),
    ({"nss": "12345678904"}, "nss", "verificador"),
    ({"nombre": "R2D2"}, "nombre", "números"),
    ({"nombre": "Carlos"}, "nombre", "apellido"),  # the chat refuses it too
    ({"nombre": "Carlos 😀 Gómez"}, "nombre", "solo puede llevar letras"),
    ({"nombre": "¿cuánto cuesta?"}, "nombre", "pregunta"),
    ({"ocupacion": "12345"}, "ocupacion", "palabras"),
    ({"ocupacion": "sí"}, "ocupacion", "a qué te dedicas"),
    ({"sexo": "M"}, "sexo", "CURP"),
    ({"fecha_nacimiento": "1990-01-01"}, "fecha_nacimiento", "12/03/1985"),
    ({"estado_nacimiento": "NL"}, "estado_nacimiento", "Jalisco"),
    ({"consentimiento": None}, "consentimiento", ""),
    ({"consentimiento": {"version_aviso": "2026-01"}}, "consentimiento.aceptado_en", ""),
    (
        {"consentimiento": {"version_aviso": "v1", "aceptado_en": "2099-01-01T00:00:00Z"}},
        "consentimiento.aceptado_en",
        "futuro",
    ),
    ({"moneda": "EUR"}, "moneda", "MXN"),
    ({"ciudad_residencia": "   "}, "ciudad_residencia", "vacío"),
    ({"inesperado": 1}, "inesperado", "no está permitido"),
]


@pytest.mark.parametrize(("override", "campo", "fragment"), BAD_FIELDS)
def test_registro_validation_errors(client, engine, override, campo, fragment):
    body = registro_body(make_curp(birth="850312", sex="H", state="JC"))
    body.update(override)
    body = {k: v for k, v in body.items() if v is not None}
    r = client.post("/v1/registros", headers=A, json=body)
    assert r.status_code == 422, r.text
    errs = r.json()["detail"]
    assert any(e["campo"] == campo and fragment in e["mensaje"] for e in errs), errs
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Registro)).scalar() == 0


@pytest.mark.parametrize(
    ("campo", "valor"),
    [
        ("nombre", "Carlos"),
        ("nombre", "Carlos 😀 Gómez"),
        ("nombre", "¿cómo me inscribo?"),
        ("ocupacion", "sí"),
        ("ocupacion", "¿qué pongo aquí?"),
    ],
)
def test_what_the_chat_refuses_the_api_refuses(client, campo, valor):
    regla = lectura.validar_nombre if campo == "nombre" else lectura.validar_ocupacion
    with pytest.raises(ErrorValidacion) as chat:
        regla(valor)
    body = registro_body(make_curp(birth="850312", sex="H", state="JC")) | {campo: valor}
    r = client.post("/v1/registros", headers=A, json=body)
    assert r.status_code == 422, r.text
    assert [e["mensaje"] for e in r.json()["detail"] if e["campo"] == campo] == [chat.value.mensaje]


def test_the_api_cleans_names_like_the_chat(client, engine):
    body = registro_body(make_curp(birth="850312", sex="H", state="JC"))
    body |= {"nombre": "me llamo carlos gómez ramírez", "ocupacion": "trabajo de carpintero"}
    r = client.post("/v1/registros", headers=A, json=body)
    assert r.status_code == 201, r.text
    with engine.connect() as conn:
        fila = conn.execute(select(m.Registro.nombre, m.Registro.ocupacion)).one()
    assert tuple(fila) == ("Carlos Gómez Ramírez", "Carpintero")


def test_concurrent_same_curp_one_folio(client, engine):
    curp = make_curp()
    barrier = threading.Barrier(8)

    def go(_):
        barrier.wait()
        return client.post("/v1/registros", headers=A, json=registro_body(curp))

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(go, range(8)))
    assert all(r.status_code in (201, 409) for r in responses), [r.text for r in responses]
    assert sorted(r.status_code for r in responses).count(201) == 1
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(m.Registro).where(m.Registro.curp == curp)
            ).scalar()
            == 1
        )


def test_idempotency_key_replay_and_conflict(client):
    curp = make_curp()
    h = {**A, "Idempotency-Key": "clave-123"}
    r1 = client.post("/v1/registros", headers=h, json=registro_body(curp))
    r2 = client.post("/v1/registros", headers=h, json=registro_body(curp))
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    r3 = client.post("/v1/registros", headers=h, json=registro_body(make_curp()))
    assert r3.status_code == 409
    assert r3.json()["detail"][0]["campo"] == "Idempotency-Key"


def test_idempotency_key_concurrent(client):
    curp = make_curp()
    h = {**A, "Idempotency-Key": "concurrente-1"}
    barrier = threading.Barrier(6)

    def go(_):
        barrier.wait()
        return client.post("/v1/registros", headers=h, json=registro_body(curp))

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(go, range(6)))
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["folio"] for r in responses}) == 1


def test_consulta_with_the_code_and_get_for_a_promoter(client, caplog):
    curp, r = _create(client)
    folio = r.json()["folio"]
    p = _consulta(client, folio, curp, _codigo(client, caplog, folio, curp))
    g = client.get(f"/v1/registros/{folio}", params={"curp": curp}, headers=ADMIN)
    assert g.status_code == p.status_code == 200
    assert g.json()["estado"] == p.json()["estado"] == "recibida"
    assert p.json()["folio"] == folio


def test_consulta_mismatch_404_does_not_reveal_which(client):
    curp, r = _create(client)
    folio = r.json()["folio"]
    wrong_curp = _consulta(client, folio, make_curp(), "123456")
    wrong_folio = _consulta(client, "OR-0000000000", curp, "123456")
    assert wrong_curp.status_code == wrong_folio.status_code == 404
    assert wrong_curp.json() == wrong_folio.json()
    assert wrong_curp.json()["detail"][0]["campo"] is None


def test_the_old_simulated_payment_endpoint_is_gone(client):
    _, r = _create(client)
    folio = r.json()["folio"]
    assert client.post(f"/v1/registros/{folio}/pago", headers=ADMIN).status_code in (404, 405)


def test_delete_erases_personal_data(client, engine, caplog):
    curp, r = _create(client, nss=make_nss())
    folio = r.json()["folio"]
    client.post(
        "/v1/registros", headers={**A, "Idempotency-Key": "k-borrar"}, json=registro_body(curp)
    )
    d = _borrado(client, folio, curp, _codigo(client, caplog, folio, curp, "borrado"))
    assert d.status_code == 200 and d.json()["estado"] == "eliminado"
    with engine.connect() as conn:
        row = conn.execute(select(m.Registro).where(m.Registro.folio == folio)).one()
        for field in (
            "curp",
            "open_curp",
            "email",
            "telefono",
            "nss",
            "ingreso_mensual",
            "ingreso_mensual_mxn",
            "fecha_nacimiento",
            "sexo",
            "estado_nacimiento",
            "ciudad_residencia",
            "ocupacion",
            "pais_residencia",
            "linea_captura",
        ):
            assert getattr(row, field) is None, field
        assert row.nombre == "[borrado]" and row.estado == "eliminado"
        audit = conn.execute(select(m.Auditoria).where(m.Auditoria.folio == folio)).all()
        assert [a.accion for a in audit][-1] == "registro_eliminado"
        # The audit trail holds no personal data: record, action, time and (console) actor.
        assert set(m.Auditoria.__table__.columns.keys()) == {"id", "folio", "accion", "en", "actor"}
        assert row.nombre_busqueda is None
        for tabla in (m.IdempotencyKey, m.CodigoVerificacion):
            cuenta = select(func.count()).select_from(tabla).where(tabla.folio == folio)
            assert conn.execute(cuenta).scalar() == 0, tabla
    # The folio no longer answers to that CURP; a new registration gets a new folio.
    assert (
        client.get(f"/v1/registros/{folio}", params={"curp": curp}, headers=ADMIN).status_code
        == 404
    )
    assert (
        client.delete(f"/v1/registros/{folio}", params={"curp": curp}, headers=ADMIN).status_code
        == 404
    )
    _, again = _create(client, curp)
    assert again.status_code == 201 and again.json()["folio"] != folio


def test_a_promoter_deletes_with_the_admin_key_wrong_curp_404_keeps_data(client, engine):
    curp, r = _create(client)
    folio = r.json()["folio"]
    d = client.delete(f"/v1/registros/{folio}", params={"curp": make_curp()}, headers=ADMIN)
    assert d.status_code == 404
    with engine.connect() as conn:
        assert (
            conn.execute(select(m.Registro.curp).where(m.Registro.folio == folio)).scalar() == curp
        )
    d = client.delete(f"/v1/registros/{folio}", params={"curp": curp}, headers=ADMIN)
    assert d.status_code == 200 and d.json()["estado"] == "eliminado"


def test_no_personal_data_in_logs(client, caplog):
    curp = make_curp()
    nss = make_nss("5555555555")
    _, r = _create(
        client,
        curp,
        nss=nss,
        email="secreta@example.com",
        telefono="+52 55 9876 5432",
        ingreso_mensual=12345,
    )
    folio = r.json()["folio"]
    caplog.set_level(logging.DEBUG)
    _consulta(client, folio, curp, _codigo(client, caplog, folio, curp, conversacion="conv-log"))
    caplog.set_level(logging.DEBUG)
    _borrado(client, folio, curp, "000000", conversacion="conv-log")
    # httpx is the *caller's* client here (TestClient); only the service's own loggers count.
    text = "\n".join(rec.getMessage() for rec in caplog.records if rec.name != "httpx")
    assert folio in text  # the service does log, by folio
    for secret in (curp, nss, "secreta@example.com", "5598765432", "12345", "conv-log"):
        assert secret not in text


def test_access_log_filter_redacts_query():
    from servicio.inscripcion.app import RedactQueryFilter

    rec = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/v1/registros/OR-1?curp=ABC", "1.1", 200),
        None,
    )
    RedactQueryFilter().filter(rec)
    assert "ABC" not in rec.getMessage() and "OR-1" in rec.getMessage()


# ------------------------------------------------------------------ canalizaciones


def test_canalizaciones_flow(client):
    c = client.post(
        "/v1/canalizaciones",
        headers=A,
        json={
            "resumen": "Quiere saber si puede inscribir a su mamá",
            "canal": "whatsapp",
            "direccion_canal": "+13125551234",
            "consulado": "Chicago",
        },
    )
    assert c.status_code == 201
    ticket = c.json()
    assert ticket["estado"] == "abierta" and ticket["consulado"] == "Chicago"
    abiertas = client.get("/v1/canalizaciones", params={"estado": "abierta"}, headers=ADMIN)
    assert abiertas.status_code == 200
    assert ticket["id"] in [t["id"] for t in abiertas.json()]
    cerrar = client.post(
        f"/v1/canalizaciones/{ticket['id']}/cerrar",
        headers=ADMIN,
        json={"respuesta": "Se le llamó y se resolvió."},
    )
    assert cerrar.status_code == 200
    assert cerrar.json()["estado"] == "cerrada"
    assert cerrar.json()["respuesta"] == "Se le llamó y se resolvió."
    abiertas = client.get("/v1/canalizaciones", params={"estado": "abierta"}, headers=ADMIN)
    assert ticket["id"] not in [t["id"] for t in abiertas.json()]
    cerradas = client.get("/v1/canalizaciones", params={"estado": "cerrada"}, headers=ADMIN)
    assert ticket["id"] in [t["id"] for t in cerradas.json()]
    again = client.post(f"/v1/canalizaciones/{ticket['id']}/cerrar", headers=ADMIN)
    assert again.status_code == 409
    assert client.post("/v1/canalizaciones/999999/cerrar", headers=ADMIN).status_code == 404


@pytest.mark.parametrize(
    ("body", "campo"),
    [
        ({"resumen": "", "canal": "web", "direccion_canal": "x"}, "resumen"),
        ({"resumen": "hola", "canal": "paloma", "direccion_canal": "x"}, "canal"),
        ({"resumen": "hola", "canal": "web"}, "direccion_canal"),
    ],
)
def test_canalizacion_validation(client, body, campo):
    r = client.post("/v1/canalizaciones", headers=A, json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["campo"] == campo


def test_canalizaciones_bad_estado_filter(client):
    r = client.get("/v1/canalizaciones", params={"estado": "rara"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["detail"][0]["campo"] == "estado"


# ------------------------------------------------------------------ migrations


def test_migrations_match_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


def test_random_seed_is_not_shared():
    assert make_curp(random.Random(1)) != make_curp(random.Random(2))


def test_chunked_body_over_limit_413(client):
    def chunks():
        for _ in range(40):
            yield b"x" * 1024

    r = client.post(
        "/v1/cotizaciones", headers={**A, "Content-Type": "application/json"}, content=chunks()
    )
    assert r.status_code == 413


def test_sqlite_uses_wal_and_busy_timeout(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("solo aplica a SQLite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


@pytest.mark.parametrize(("year", "floor"), [(2024, 7567.47), (2025, 8475.52)])
def test_quote_other_years_use_their_table(client, year, floor):
    r = client.post("/v1/cotizaciones", headers=A, json={"ingreso_mensual": 20000, "anio": year})
    assert r.status_code == 200
    assert r.json()["tabla_version"] == f"{year}.2"
    assert r.json()["piso"]["mensual"] == floor


def test_settings_from_environment(monkeypatch, tmp_path):
    from servicio.inscripcion.ajustes import AjustesServicio

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert AjustesServicio().database_url == "sqlite:///var/orienta.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("ORIENTA_TIPO_CAMBIO_USD_MXN", "17.10")
    st = AjustesServicio()
    assert st.database_url.endswith("/x.db") and str(st.tipo_cambio_usd_mxn) == "17.10"


def test_database_down_is_a_spanish_503_without_the_statement_in_the_log(caplog):
    """An unreachable database (closed port) must not become a 500 with a traceback: the
    assistant's client reads 503 as "service down" and keeps the person's data."""
    from fastapi.testclient import TestClient

    from servicio.inscripcion.ajustes import AjustesServicio
    from servicio.inscripcion.app import crear_app
    from tests.ayudas import ADMIN_KEY, ASSISTANT_KEY

    settings = AjustesServicio(
        database_url="postgresql+psycopg2://postgres@127.0.0.1:9/nadie",
        assistant_api_key=ASSISTANT_KEY,
        admin_api_key=ADMIN_KEY,
    )
    app = crear_app(settings)
    curp = make_curp()
    with caplog.at_level(logging.INFO), TestClient(app) as c:
        r = c.post("/v1/registros", json=registro_body(curp=curp), headers=A)
        assert c.get("/health").status_code == 503
    assert r.status_code == 503
    assert "intenta más tarde" in r.json()["detail"][0]["mensaje"]
    assert curp not in caplog.text
    app.state.engine.dispose()


def test_docs_off_when_configured(db_url):
    """ORIENTA_API_DOCS=false (the deployment): no /docs, /redoc or /openapi.json."""
    from fastapi.testclient import TestClient

    from servicio.inscripcion.ajustes import AjustesServicio
    from servicio.inscripcion.app import crear_app

    ajustes = AjustesServicio(
        database_url=db_url,
        assistant_api_key=ASSISTANT_KEY,
        admin_api_key=ADMIN_KEY,
        api_docs=False,
    )
    app = crear_app(ajustes)
    try:
        with TestClient(app) as c:
            for ruta in ("/docs", "/redoc", "/openapi.json"):
                assert c.get(ruta).status_code == 404, ruta
            assert c.get("/health").status_code == 200
    finally:
        app.state.engine.dispose()


@pytest.mark.parametrize(
    ("asistente", "admin", "variable"),
    [
        # deploy/.env.example and deploy/k8s/secret.example.yaml, copied as they are.
        ("CAMBIAR-clave-asistente-openssl-rand-hex-32", ADMIN_KEY, "ORIENTA_ASSISTANT_API_KEY"),
        (ASSISTANT_KEY, "CAMBIAR-clave-admin-openssl-rand-hex-32", "ORIENTA_ADMIN_API_KEY"),
        (ASSISTANT_KEY, "changeme-changeme-changeme", "ORIENTA_ADMIN_API_KEY"),
        (ASSISTANT_KEY, "corta", "ORIENTA_ADMIN_API_KEY"),
        (ASSISTANT_KEY, "a" * 32, "ORIENTA_ADMIN_API_KEY"),
    ],
)
def test_app_refuses_placeholder_example_or_short_keys(db_url, asistente, admin, variable):
    from servicio.inscripcion.ajustes import AjustesServicio, FaltanSecretos
    from servicio.inscripcion.app import crear_app

    ajustes = AjustesServicio(database_url=db_url, assistant_api_key=asistente, admin_api_key=admin)
    with pytest.raises(FaltanSecretos, match=variable) as error:
        crear_app(ajustes)
    assert asistente not in str(error.value) and admin not in str(error.value)


def test_app_refuses_a_placeholder_database_password():
    from servicio.inscripcion.ajustes import AjustesServicio, FaltanSecretos

    url = "postgresql+psycopg2://orienta:CAMBIAR-password-postgres@db:5432/orienta"
    ajustes = AjustesServicio(
        database_url=url, assistant_api_key=ASSISTANT_KEY, admin_api_key=ADMIN_KEY
    )
    with pytest.raises(FaltanSecretos, match="DATABASE_URL") as error:
        ajustes.exigir_secretos()
    assert "CAMBIAR-password" not in str(error.value)


def test_web_app_refuses_a_placeholder_twilio_token(settings, monkeypatch):
    from bot.secretos import SecretoInvalido
    from servicio.web.app import crear_app

    monkeypatch.setenv("ORIENTA_TWILIO_AUTH_TOKEN", "CAMBIAR-auth-token-de-twilio")
    with pytest.raises(SecretoInvalido, match="ORIENTA_TWILIO_AUTH_TOKEN"):
        crear_app(settings)
