"""EnrollmentClient: respx-mocked unit tests plus one in-process run against the real service."""

from __future__ import annotations

import json
import logging
import random

import httpx
import pytest
import respx

from actions.api.inscripcion import (
    AjustesCliente,
    ClienteServicio,
    RespuestaServicio,
    cliente,
)
from tests.ayudas import make_curp, registro_body

BASE = "http://enrollment.test"
KEY = "clave-asistente-de-prueba"
CURP = "GOCR850312HJCMRR07"
EMAIL = "carlos.gomez@example.com"
FOLIO = "ORI-2026-000123"
REGISTRO = {"folio": FOLIO, "estado": "pendiente_pago", "monto_mensual": 1234.5}
CODIGO = "482913"
CONV = "conv-7"


@pytest.fixture
async def client():
    c = ClienteServicio(AjustesCliente(base_url=BASE, api_key=KEY, timeout_s=1.0))
    yield c
    await c.aclose()


@pytest.fixture
def mock():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def _req(route: respx.Route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def _body(request: httpx.Request) -> dict:
    return json.loads(request.content)


# ------------------------------------------------------------------ settings
def test_settings_from_env_defaults_and_timeout_cap():
    st = AjustesCliente.from_env({})
    assert (st.base_url, st.api_key, st.timeout_s) == ("http://localhost:8000", "", 3.0)
    st = AjustesCliente.from_env(
        {
            "ORIENTA_SERVICE_URL": "http://svc:9000/",
            "ORIENTA_ASSISTANT_API_KEY": "k",
            "ORIENTA_SERVICE_TIMEOUT_S": "30",
        }
    )
    assert (st.base_url, st.api_key, st.timeout_s) == ("http://svc:9000", "k", 3.0)
    assert AjustesCliente.from_env({"ORIENTA_SERVICE_TIMEOUT_S": "1.5"}).timeout_s == 1.5
    assert AjustesCliente.from_env({"ORIENTA_SERVICE_TIMEOUT_S": "x"}).timeout_s == 3.0
    assert "k" not in repr(AjustesCliente(api_key="k"))


async def test_shared_async_client_and_singleton(client):
    assert client.http is client.http
    assert client.http.timeout.read <= 3.0
    assert cliente() is cliente()


# ------------------------------------------------------------------ happy paths
async def test_cotizar(client, mock):
    route = mock.post("/v1/cotizaciones").respond(200, json={"total_mensual": 1500})
    res = await client.cotizar(12000, "USD", anio=2026, tipo_cambio="17.5")
    assert res == RespuestaServicio(ok=True, datos={"total_mensual": 1500}, status=200)
    req = _req(route)
    assert req.method == "POST" and req.url.path == "/v1/cotizaciones"
    assert req.headers["X-API-Key"] == KEY
    assert _body(req) == {
        "ingreso_mensual": 12000,
        "moneda": "USD",
        "anio": 2026,
        "tipo_cambio": "17.5",
    }


async def test_cotizar_minimal_body(client, mock):
    route = mock.post("/v1/cotizaciones").respond(200, json={})
    assert (await client.cotizar(9000.5, "MXN")).ok
    assert _body(_req(route)) == {"ingreso_mensual": 9000.5, "moneda": "MXN"}


async def test_registrar(client, mock):
    route = mock.post("/v1/registros").respond(201, json=REGISTRO)
    datos = registro_body(CURP)
    res = await client.registrar(datos, "conv-42-registro")
    assert res.ok and res.datos == REGISTRO and res.status == 201
    req = _req(route)
    assert req.method == "POST" and req.url.path == "/v1/registros"
    assert req.headers["X-API-Key"] == KEY
    assert req.headers["Idempotency-Key"] == "conv-42-registro"
    assert _body(req) == datos


async def test_registrar_requires_idempotency_key(client):
    with pytest.raises(ValueError):
        await client.registrar(registro_body(CURP), " ")


async def test_pedir_codigo_sends_folio_curp_purpose_and_conversation_in_the_body(client, mock):
    route = mock.post("/v1/registros/codigo").respond(
        200, json={"enviado": True, "medio": "sms", "vence_en": "2026-01-01T00:10:00Z"}
    )
    res = await client.pedir_codigo(FOLIO, CURP, "borrado", CONV)
    assert res.ok and res.datos["medio"] == "sms"
    req = _req(route)
    assert req.url.query == b"" and CURP not in str(req.url)
    assert _body(req) == {
        "folio": FOLIO,
        "curp": CURP,
        "proposito": "borrado",
        "conversacion": CONV,
    }


async def test_pedir_codigo_is_not_retried(client, mock):
    route = mock.post("/v1/registros/codigo").respond(503)
    assert (await client.pedir_codigo(FOLIO, CURP, "consulta")).error == "no_disponible"
    assert route.call_count == 1


async def test_consultar_sends_curp_and_code_in_body_not_url(client, mock):
    route = mock.post("/v1/registros/consulta").respond(200, json=REGISTRO)
    res = await client.consultar(FOLIO, CURP, CODIGO, CONV)
    assert res.ok and res.datos["folio"] == FOLIO
    req = _req(route)
    assert req.method == "POST" and req.url.path == "/v1/registros/consulta"
    assert req.url.query == b"" and CURP not in str(req.url) and CODIGO not in str(req.url)
    assert req.headers["X-API-Key"] == KEY
    assert _body(req) == {"folio": FOLIO, "curp": CURP, "codigo": CODIGO, "conversacion": CONV}


async def test_eliminar(client, mock):
    route = mock.post("/v1/registros/borrado").respond(
        200, json={"folio": FOLIO, "estado": "cancelado", "mensaje": "Tus datos..."}
    )
    res = await client.eliminar(FOLIO, CURP, CODIGO, CONV)
    assert res.ok and res.datos["estado"] == "cancelado"
    req = _req(route)
    assert req.method == "POST" and req.url.query == b"" and CURP not in str(req.url)
    assert req.headers["X-API-Key"] == KEY
    assert _body(req) == {"folio": FOLIO, "curp": CURP, "codigo": CODIGO, "conversacion": CONV}


@pytest.mark.parametrize(
    ("status", "campo", "error"),
    [
        (409, "curp", "ya_existe"),
        (409, "Idempotency-Key", "conflicto"),
        (403, "codigo", "codigo_incorrecto"),
        (403, None, "no_autorizado"),
        (429, None, "bloqueado"),
    ],
)
async def test_ownership_errors(client, mock, status, campo, error):
    mock.post("/v1/registros/consulta").respond(
        status, json={"detail": [{"campo": campo, "mensaje": "m"}]}
    )
    res = await client.consultar(FOLIO, CURP, CODIGO)
    assert res.error == error and res.mensajes == ["m"]


async def test_crear_canalizacion(client, mock):
    route = mock.post("/v1/canalizaciones").respond(201, json={"id": 7, "estado": "abierta"})
    res = await client.crear_canalizacion(
        "Duda sobre pago", "email", EMAIL, consulado="Chicago", idempotency_key="conv-42-canal"
    )
    assert res.ok and res.datos["id"] == 7
    req = _req(route)
    assert req.method == "POST" and req.url.path == "/v1/canalizaciones"
    assert req.headers["X-API-Key"] == KEY
    assert req.headers["Idempotency-Key"] == "conv-42-canal"
    assert _body(req) == {
        "resumen": "Duda sobre pago",
        "canal": "email",
        "direccion_canal": EMAIL,
        "consulado": "Chicago",
    }


async def test_crear_canalizacion_generates_key_and_reuses_it_on_retry(client, mock):
    route = mock.post("/v1/canalizaciones")
    route.side_effect = [httpx.Response(503), httpx.Response(201, json={"id": 8})]
    res = await client.crear_canalizacion("Resumen", "web", "sesion-1")
    assert res.ok and route.call_count == 2
    keys = {c.request.headers["Idempotency-Key"] for c in route.calls}
    assert len(keys) == 1 and next(iter(keys))


# ------------------------------------------------------------------ errors
async def test_404_is_no_encontrado(client, mock):
    mock.post("/v1/registros/consulta").respond(
        404, json={"detail": [{"campo": None, "mensaje": "No encontramos ese folio."}]}
    )
    res = await client.consultar(FOLIO, CURP, CODIGO)
    assert not res.ok and res.error == "no_encontrado" and res.status == 404
    assert res.mensajes == ["No encontramos ese folio."] and res.datos is None


async def test_422_is_invalido_with_spanish_messages(client, mock):
    detail = [
        {"campo": "curp", "mensaje": "La CURP debe tener 18 caracteres."},
        {"campo": "email", "mensaje": "El correo no es válido. Ejemplo: nombre@correo.com."},
    ]
    mock.post("/v1/registros").respond(422, json={"detail": detail})
    res = await client.registrar(registro_body("X"), "k1")
    assert res.error == "invalido" and not res.ok
    assert res.mensajes == [d["mensaje"] for d in detail]
    assert res.campos == ["curp", "email"]


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, "invalido"), (401, "no_autorizado"), (403, "no_autorizado"), (409, "conflicto")],
)
async def test_status_mapping(client, mock, status, error):
    route = mock.post("/v1/registros/consulta").respond(
        status, json={"detail": [{"campo": None, "mensaje": "m"}]}
    )
    res = await client.consultar(FOLIO, CURP, CODIGO)
    assert res.error == error and res.mensajes == ["m"] and route.call_count == 1


async def test_500_is_no_disponible_not_retried(client, mock):
    route = mock.post("/v1/cotizaciones").respond(500, text="boom")
    res = await client.cotizar(100, "MXN")
    assert res.error == "no_disponible" and route.call_count == 1


async def test_non_json_success_is_no_disponible(client, mock):
    mock.post("/v1/cotizaciones").respond(200, text="<html>proxy</html>")
    assert (await client.cotizar(100, "MXN")).error == "no_disponible"


# ------------------------------------------------------------------ retries
async def test_timeout_then_success_retries_once(client, mock):
    route = mock.post("/v1/cotizaciones")
    route.side_effect = [httpx.ReadTimeout("lento"), httpx.Response(200, json={"ok": 1})]
    res = await client.cotizar(100, "MXN")
    assert res.ok and res.datos == {"ok": 1} and route.call_count == 2


async def test_two_timeouts_give_no_disponible_after_two_attempts(client, mock):
    route = mock.post("/v1/cotizaciones")
    route.side_effect = [httpx.ConnectTimeout("t1"), httpx.ReadTimeout("t2")]
    res = await client.cotizar(100, "MXN")
    assert res.error == "no_disponible" and not res.ok and route.call_count == 2


async def test_consultar_timeout_is_not_retried_the_code_may_be_spent(client, mock):
    route = mock.post("/v1/registros/consulta")
    route.side_effect = httpx.ReadTimeout("lento")
    assert (await client.consultar(FOLIO, CURP, CODIGO)).error == "no_disponible"
    assert route.call_count == 1


async def test_registrar_retries_502_with_same_key_and_body(client, mock):
    route = mock.post("/v1/registros")
    route.side_effect = [httpx.Response(502), httpx.Response(201, json=REGISTRO)]
    res = await client.registrar(registro_body(CURP), "clave-1")
    assert res.ok and route.call_count == 2
    a, b = (c.request for c in route.calls)
    assert a.headers["Idempotency-Key"] == b.headers["Idempotency-Key"] == "clave-1"
    assert a.content == b.content


async def test_two_503_give_no_disponible(client, mock):
    route = mock.post("/v1/cotizaciones").respond(503)
    res = await client.cotizar(100, "MXN")
    assert res.error == "no_disponible" and res.status == 503 and route.call_count == 2


async def test_eliminar_503_is_not_retried(client, mock):
    route = mock.post("/v1/registros/borrado").respond(503)
    res = await client.eliminar(FOLIO, CURP, CODIGO)
    assert res.error == "no_disponible" and route.call_count == 1


async def test_eliminar_timeout_is_not_retried(client, mock):
    route = mock.post("/v1/registros/borrado")
    route.side_effect = httpx.ReadTimeout("lento")
    assert (await client.eliminar(FOLIO, CURP, CODIGO)).error == "no_disponible"
    assert route.call_count == 1


async def test_connection_refused_is_no_disponible():
    # Real socket, nothing listening: port 9 (discard) on localhost is closed here.
    c = ClienteServicio(AjustesCliente(base_url="http://127.0.0.1:9", api_key=KEY))
    try:
        res = await c.consultar(FOLIO, CURP, CODIGO)
    finally:
        await c.aclose()
    assert res == RespuestaServicio(ok=False, error="no_disponible")


async def test_connect_error_mocked_retried_once(client, mock):
    route = mock.post("/v1/cotizaciones")
    route.side_effect = httpx.ConnectError("Connection refused")
    assert (await client.cotizar(1, "MXN")).error == "no_disponible"
    assert route.call_count == 2


# ------------------------------------------------------------------ logging
async def test_logs_never_contain_personal_data(client, mock, caplog):
    caplog.set_level(logging.DEBUG)
    mock.post("/v1/registros").respond(201, json=REGISTRO)
    mock.post("/v1/registros/consulta").side_effect = [
        httpx.Response(404, json={"detail": [{"campo": None, "mensaje": "No existe."}]}),
    ]
    mock.post("/v1/registros/codigo").respond(200, json={"enviado": True})
    mock.post("/v1/registros/borrado").respond(200, json={"folio": FOLIO})
    mock.post("/v1/canalizaciones").respond(201, json={"id": 3})
    mock.post("/v1/cotizaciones").respond(200, json={"total_mensual": 1})
    datos = registro_body(CURP, email=EMAIL, nss="12345678903")
    await client.registrar(datos, "k")
    await client.pedir_codigo(FOLIO, CURP, "consulta", CONV)
    await client.consultar(FOLIO, CURP, CODIGO, CONV)
    await client.eliminar(FOLIO, CURP, CODIGO, CONV)
    await client.crear_canalizacion("Soy Carlos Gómez", "email", EMAIL)
    await client.cotizar(12345.67, "MXN")
    assert caplog.records, "expected some log lines (ids/status codes)"
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (CURP, EMAIL, "12345678903", "Carlos", "555", "12345.67", "curp=", CODIGO, CONV):
        assert secret not in text, secret
    assert FOLIO in text  # ids are fine


# ------------------------------------------------------------------ real service
async def test_against_the_real_service(servicio_real, servicio_http, monkeypatch):
    c = servicio_real
    curp = make_curp(random.Random(7))
    try:
        cot = await c.cotizar(12000, "MXN")
        assert cot.ok, cot
        assert cot.datos["estimacion"] is True and cot.datos["total_mensual"] > 0

        bad = await c.registrar(registro_body(curp, email="no-es-correo"), "k-bad")
        assert bad.error == "invalido" and bad.campos == ["email"] and bad.mensajes

        reg = await c.registrar(registro_body(curp), "conv-1")
        assert reg.ok and reg.status == 201, reg
        folio = reg.datos["folio"]
        again = await c.registrar(registro_body(curp), "conv-1")  # replayed
        assert again.ok and again.datos["folio"] == folio
        # Another conversation with the same CURP learns only that a registration exists.
        otro = await c.registrar(registro_body(curp, nombre="Otra Persona"), "conv-2")
        assert otro.error == "ya_existe" and folio not in " ".join(otro.mensajes)

        # Folio + CURP alone: no status, no erasure.
        assert (await c.consultar(folio, curp, "000000", "conv-1")).error in ("codigo_incorrecto",)
        pedido = await c.pedir_codigo(folio, curp, "consulta", "conv-1")
        assert pedido.ok and pedido.datos["medio"] == "desarrollo", pedido
        got = await c.consultar(folio, curp, servicio_http.codigo(folio), "conv-1")
        assert got.ok and got.datos["folio"] == folio
        otra_curp = make_curp(random.Random(8))
        assert (await c.consultar(folio, otra_curp, "000000")).error == "no_encontrado"

        assert (await c.pedir_codigo(folio, curp, "borrado", "conv-1")).ok
        gone = await c.eliminar(folio, curp, servicio_http.codigo(folio), "conv-1")
        assert gone.ok and gone.datos["folio"] == folio, gone
        assert (await c.pedir_codigo(folio, curp, "consulta")).error == "no_encontrado"

        wrong_key = ClienteServicio(AjustesCliente(base_url=c.settings.base_url, api_key="mala"))
        assert (await wrong_key.cotizar(1, "MXN")).error == "no_autorizado"
        await wrong_key.aclose()
    finally:
        await c.aclose()
