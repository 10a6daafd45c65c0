"""Issue 15: the NSS and the Mexican address (for the IMSS clinic) in RegistroIn and stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servicio.inscripcion import modelos as m
from tests.ayudas import A, make_curp, registro_body

pytestmark = pytest.mark.filterwarnings(
    "ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"
)

DOMICILIO = {
    "domicilio_estado": "cdmx",
    "domicilio_municipio": "iztapalapa",
    "domicilio_cp": "CP 09000",
    "domicilio_colonia": "Centro",
}


def test_the_address_is_normalised_and_stored(client, engine):
    curp = make_curp()
    r = client.post(
        "/v1/registros", headers=A, json=registro_body(curp, nss="12345678903", **DOMICILIO)
    )
    assert r.status_code == 201, r.text
    with engine.connect() as conn:
        reg = conn.execute(select(m.Registro).where(m.Registro.curp == curp)).one()
    assert reg.nss == "12345678903"
    assert (reg.domicilio_estado, reg.domicilio_municipio) == ("Ciudad de México", "Iztapalapa")
    assert (reg.domicilio_cp, reg.domicilio_colonia) == ("09000", "Centro")


def test_without_nss_or_address_the_registration_is_still_taken(client, engine):
    curp = make_curp()
    assert client.post("/v1/registros", headers=A, json=registro_body(curp)).status_code == 201
    with engine.connect() as conn:
        reg = conn.execute(select(m.Registro).where(m.Registro.curp == curp)).one()
    assert reg.nss is None and reg.domicilio_cp is None and reg.domicilio_estado is None


@pytest.mark.parametrize(
    ("campo", "valor"),
    [("domicilio_cp", "4410"), ("domicilio_estado", "Texas"), ("domicilio_colonia", "12345")],
)
def test_a_bad_address_field_is_refused_in_spanish_naming_it(client, campo, valor):
    body = registro_body(make_curp(), **{**DOMICILIO, campo: valor})
    r = client.post("/v1/registros", headers=A, json=body)
    assert r.status_code == 422
    detalle = r.json()["detail"]
    assert any(d.get("campo") == campo and "Ej" in d.get("mensaje", "") for d in detalle), detalle
