# ruff: noqa: F811  (the fixtures of test_rutas.py, imported by name)
"""Issue 17: a promoter corrects a registration's fields with a reason, and an assisted
registration with a CURP already open keeps what was typed (SQLite + PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from servicio.inscripcion import modelos as m
from servicio.inscripcion import operaciones as svc
from servicio.inscripcion.esquemas import Moneda
from tests.ayudas import make_curp
from tests.servicio.consola.test_rutas import (  # noqa: F401  (fixtures)
    CURP,
    admin,
    csrf,
    cuentas_consola,
    envios,
    folio_houston,
    promotor,
    registrar,
    session,
    web,
)
from tests.servicio.consola.test_rutas import auditoria as filas_auditoria


def _folio(r: httpx.Response) -> str:
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1].split("?")[0]


def _registro(session, folio: str) -> m.Registro:
    session.expire_all()
    return session.execute(select(m.Registro).where(m.Registro.folio == folio)).scalar_one()


def _avisos(session, reg: m.Registro) -> list[m.Aviso]:
    return list(session.execute(select(m.Aviso).where(m.Aviso.registro_id == reg.id)).scalars())


def corregir(c, folio, campo, valor, motivo="error", moneda="MXN", **extra) -> httpx.Response:
    url = f"/consola/registros/{folio}"
    datos = {"campo": campo, "valor": valor, "moneda": moneda, "motivo": motivo, **extra}
    return c.post(f"{url}/corregir", data={**datos, "csrf": csrf(c, url)})


OTRA_CURP = make_curp()
CORRECCIONES = [
    (
        "nombre",
        "maría lópez ruiz",
        {"nombre": "María López Ruiz", "nombre_busqueda": "maria lopez ruiz"},
    ),
    ("email", "otra.direccion@example.com", {"email": "otra.direccion@example.com"}),
    ("telefono", "(773) 555-0123", {"telefono": "+17735550123"}),
    ("residencia", "Houston, Texas", {"ciudad_residencia": "Houston, TX"}),
    ("ocupacion", "carpintero", {"ocupacion": "Carpintero"}),
    ("nss", "12345678903", {"nss": "12345678903"}),
    ("curp", OTRA_CURP, {"curp": OTRA_CURP, "open_curp": OTRA_CURP}),
]


# ------------------------------------------------------------------ each field
@pytest.mark.parametrize(("campo", "valor", "esperado"), CORRECCIONES)
def test_each_field_is_corrected_audited_and_notified_without_its_value(
    promotor, session, campo, valor, esperado
):
    folio = _folio(registrar(promotor))
    r = corregir(promotor, folio, campo, valor, motivo="documento")
    assert r.status_code == 303 and r.headers["location"].endswith("aviso=corregido")
    reg = _registro(session, folio)
    for columna, dato in esperado.items():
        assert getattr(reg, columna) == dato
    filas = [a for a in filas_auditoria(session) if a.accion.startswith("corregido_")]
    assert [(a.folio, a.accion) for a in filas] == [(folio, f"corregido_{campo}.documento")]
    assert filas[0].actor.startswith("promotor:")
    for fila in filas:  # the audit row never holds the old or the new value
        texto = f"{fila.folio} {fila.accion} {fila.actor}".lower()
        assert all(str(d).lower() not in texto for d in esperado.values())
    (aviso,) = _avisos(session, reg)
    assert aviso.texto.startswith("La promotora corrigió tu ") and folio in aviso.texto
    assert "escribe PROMOTOR" in aviso.texto and aviso.entregado_en is None  # queued
    assert all(str(d).lower() not in aviso.texto.lower() for d in esperado.values())
    pagina = promotor.get(f"/consola/registros/{folio}").text
    assert "corrigió" in pagina and "dato verificado con documento" in pagina  # history


def test_a_curp_correction_also_fixes_what_comes_from_it(promotor, session):
    folio = _folio(registrar(promotor))
    nueva = make_curp(birth="900101", sex="H", state="JC")
    assert corregir(promotor, folio, "curp", nueva.lower()).status_code == 303
    reg = _registro(session, folio)
    assert reg.curp == nueva and reg.sexo == "H" and reg.estado_nacimiento == "JC"
    assert reg.fecha_nacimiento.isoformat() == "1990-01-01"


def test_income_correction_re_estimates_the_fee_with_the_current_tables(promotor, session, web):
    folio = _folio(registrar(promotor))  # 15 mil pesos
    antes = _registro(session, folio).monto_mensual
    r = corregir(promotor, folio, "ingreso", "500 a la semana", moneda="USD", motivo="pidio")
    assert r.status_code == 303 and r.headers["location"].endswith("aviso=corregido_ingreso")
    reg = _registro(session, folio)
    assert reg.ingreso_mensual == Decimal("2165.00") and reg.moneda == "USD"
    st = web.state.settings
    mxn, tc = svc.ingreso_en_mxn(Decimal("2165.00"), Moneda.USD, None, st.tipo_cambio_usd_mxn)
    cuota = svc.cotizar(mxn, svc.fecha_de_tarifa(st.anio_tarifa))
    assert reg.ingreso_mensual_mxn == mxn and reg.tipo_cambio == tc
    assert reg.monto_mensual == cuota.total_mensual != antes
    assert reg.tabla_version == cuota.tabla_version
    assert [a.accion for a in filas_auditoria(session) if a.accion.startswith("corregido_")] == [
        "corregido_ingreso.pidio"
    ]
    assert "ingreso mensual" in _avisos(session, reg)[0].texto
    assert "2165" not in _avisos(session, reg)[0].texto
    pagina = promotor.get(r.headers["location"]).text
    assert "se volvió a estimar" in pagina and "estimación" in pagina


def test_an_unchanged_value_is_no_correction(promotor, session):
    folio = _folio(registrar(promotor))
    r = corregir(promotor, folio, "email", " gloria@example.com ")
    assert r.headers["location"].endswith("aviso=sin_cambios")
    assert not [a for a in filas_auditoria(session) if a.accion.startswith("corregido_")]
    assert _avisos(session, _registro(session, folio)) == []


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("campo", "valor", "motivo", "status", "mensaje"),
    [
        ("email", "gloria@", "error", 422, "correo"),
        ("telefono", "12", "error", 422, "Ejemplos"),
        ("ingreso", "100 pesos al día", "error", 422, "ingreso al mes"),
        ("nss", "12345678900", "error", 422, "NSS"),
        ("curp", "XXXX", "error", 422, "CURP"),
        ("email", "nueva@example.com", "", 422, "Elige el motivo"),
        ("email", "nueva@example.com", "inventado", 422, "Elige el motivo"),
        ("domicilio", "Calle 1", "error", 422, "Elige qué dato corriges"),
    ],
)
def test_bad_values_get_a_spanish_error_and_keep_the_form(
    promotor, session, campo, valor, motivo, status, mensaje
):
    folio = _folio(registrar(promotor))
    antes = _registro(session, folio)
    email, telefono = antes.email, antes.telefono
    r = corregir(promotor, folio, campo, valor, motivo=motivo)
    assert r.status_code == status and mensaje in r.text
    assert f'value="{valor}"' in r.text  # what was typed comes back
    reg = _registro(session, folio)
    assert (reg.email, reg.telefono, reg.curp) == (email, telefono, CURP)
    assert not [a for a in filas_auditoria(session) if a.accion.startswith("corregido_")]


def test_another_open_registrations_curp_is_refused(promotor, session):
    folio = _folio(registrar(promotor))
    otra = make_curp()
    _folio(registrar(promotor, curp=otra, email="otra@example.com"))
    r = corregir(promotor, folio, "curp", otra)
    assert r.status_code == 409 and "otra solicitud abierta" in r.text
    assert _registro(session, folio).curp == CURP


def test_closed_cases_admit_no_corrections(promotor, session):
    folio = _folio(registrar(promotor))
    url = f"/consola/registros/{folio}"
    cierre = {"destino": "cerrada", "motivo": "No volvió a la cita", "csrf": csrf(promotor, url)}
    assert promotor.post(f"{url}/estado", data=cierre).status_code == 303
    assert "Corregir un dato" not in promotor.get(url).text
    r = corregir(promotor, folio, "email", "nueva@example.com")
    assert r.status_code == 409 and "ya no admite correcciones" in r.text
    assert _registro(session, folio).email == "gloria@example.com"


def test_a_correction_needs_the_form_token(promotor, session):
    folio = _folio(registrar(promotor))
    r = promotor.post(
        f"/consola/registros/{folio}/corregir",
        data={"campo": "email", "valor": "x@example.com", "motivo": "error"},
    )
    assert r.status_code == 403
    assert _registro(session, folio).email == "gloria@example.com"


def test_out_of_scope_promoter_cannot_correct(promotor, folio_houston, session):
    r = corregir(promotor, folio_houston, "email", "ajeno@example.com")
    assert r.status_code == 404 and "No existe un registro con ese folio" in r.text
    assert _registro(session, folio_houston).email == "gloria@example.com"


def test_the_notice_goes_by_sms_when_twilio_may_reach_the_number(promotor, session, envios):
    folio = _folio(registrar(promotor))  # typed at the desk: SMS allowed
    assert corregir(promotor, folio, "ocupacion", "chofer").status_code == 303
    reg = _registro(session, folio)
    (aviso,) = _avisos(session, reg)
    assert envios == [("sms", reg.telefono)] and aviso.entregado_via == "twilio"


# ------------------------------------------------------------------ assisted, CURP already open
def test_existing_curp_keeps_the_form_and_offers_the_update(promotor, session):
    folio = _folio(registrar(promotor))
    cambios = {"email": "nueva@example.com", "ocupacion": "jardinero"}
    r = registrar(promotor, **cambios)
    assert r.status_code == 409
    assert "Ya hay una solicitud abierta con esa CURP" in r.text
    assert f'href="/consola/registros/{folio}"' in r.text
    assert 'value="nueva@example.com"' in r.text and 'value="jardinero"' in r.text
    assert f'formaction="/consola/registros/{folio}/actualizar"' in r.text
    assert session.execute(select(m.Registro.id)).all().__len__() == 1

    url = f"/consola/registros/{folio}/actualizar"
    from tests.servicio.consola.test_rutas import REGISTRO

    hecho = promotor.post(url, data={**REGISTRO, **cambios, "csrf": csrf(promotor)})
    assert hecho.status_code == 303 and hecho.headers["location"].endswith("aviso=actualizada")
    reg = _registro(session, folio)
    assert reg.email == "nueva@example.com" and reg.ocupacion == "Jardinero"
    acciones = [a.accion for a in filas_auditoria(session) if a.accion.startswith("corregido_")]
    assert acciones == ["corregido_email.pidio", "corregido_ocupacion.pidio"]  # only the changes
    (aviso,) = _avisos(session, reg)
    assert "tu correo y ocupación" in aviso.texto and "nueva@" not in aviso.texto


def test_update_with_a_bad_value_keeps_everything(promotor, session):
    folio = _folio(registrar(promotor))
    from tests.servicio.consola.test_rutas import REGISTRO

    url = f"/consola/registros/{folio}/actualizar"
    datos = {**REGISTRO, "email": "mal@", "ocupacion": "jardinero", "csrf": csrf(promotor)}
    r = promotor.post(url, data=datos)
    assert r.status_code == 422 and 'value="mal@"' in r.text and 'value="jardinero"' in r.text
    assert _registro(session, folio).ocupacion == "Limpieza de casas"
    sin_token = promotor.post(url, data={**REGISTRO, "ocupacion": "chofer"})
    assert sin_token.status_code == 403


def test_existing_curp_in_another_consulate_does_not_reveal_the_folio(
    promotor, admin, session, folio_houston
):
    curp = _registro(session, folio_houston).curp
    r = registrar(promotor, curp=curp, email="nueva@example.com")
    assert r.status_code == 409
    assert "Ya existe una solicitud con esa CURP en otro consulado" in r.text
    assert folio_houston not in r.text and "/actualizar" not in r.text
    assert 'value="nueva@example.com"' in r.text
    from tests.servicio.consola.test_rutas import REGISTRO

    url = f"/consola/registros/{folio_houston}/actualizar"
    intento = promotor.post(url, data={**REGISTRO, "curp": curp, "csrf": csrf(promotor)})
    assert intento.status_code == 404
    assert not [a for a in filas_auditoria(session) if a.accion.startswith("corregido_")]


def test_a_new_phone_is_announced_to_the_number_we_knew(promotor, session, envios):
    folio = _folio(registrar(promotor))
    antes = _registro(session, folio).telefono
    assert corregir(promotor, folio, "telefono", "(773) 555-0123").status_code == 303
    assert _registro(session, folio).telefono == "+17735550123"
    assert envios == [("sms", antes)]
