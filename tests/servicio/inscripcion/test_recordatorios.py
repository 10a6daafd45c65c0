"""Issue 15: the monthly payment reminder job, with a fake clock and a fake Twilio client.

Chicago (Illinois) is UTC-6 in December: 16:00 UTC on the 17th is 10:00 there, inside the
9:00–20:00 window and within the days before day 20."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from servicio import recordatorios as job
from servicio.inscripcion import modelos as m
from tests.ayudas import ADMIN, A, make_curp, registro_body

pytestmark = pytest.mark.filterwarnings(
    "ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"
)

AHORA = datetime(2026, 12, 17, 16, 0, tzinfo=timezone.utc)
TELEFONO = "+13125550150"
WEB = "web-recordatorio-0001"
LINEA = {
    "nss": "12345678903",
    "linea_captura": "IMSS1234567890AB",
    "linea_monto": "1520.50",
    "linea_vence_en": "2026-12-20",
}
AJUSTES = job.AjustesRecordatorios(plantilla="HX0123456789abcdef0123456789abcdef")


class TwilioFalso:
    def __init__(self, medios=("whatsapp", "sms"), falla=()):
        self.medios, self.falla = set(medios), set(falla)
        self.textos: list[tuple[str, str, str]] = []
        self.plantillas: list[tuple[str, str, dict]] = []

    def configurado(self, medio):
        return medio in self.medios

    def texto(self, medio, telefono, texto):
        if medio in self.falla:
            return False
        self.textos.append((medio, telefono, texto))
        return True

    def plantilla(self, telefono, content_sid, variables):
        if "plantilla" in self.falla:
            return False
        self.plantillas.append((telefono, content_sid, variables))
        return True


@pytest.fixture
def sesion(app):
    with app.state.sessionmaker() as s:
        yield s


def _caso(client, recordatorios=True, telefono=TELEFONO, consulado="Chicago, IL") -> str:
    cuerpo = registro_body(
        make_curp(),
        telefono=telefono,
        consulado=consulado,
        recordatorios=recordatorios,
        canal="web",
        direccion_canal=WEB,
    )
    folio = client.post("/v1/registros", headers=A, json=cuerpo).json()["folio"]
    for destino, campos in (("en_proceso", {}), ("hecha_en_imss", LINEA)):
        r = client.post(
            f"/v1/registros/{folio}/estado", headers=ADMIN, json={"destino": destino, **campos}
        )
        assert r.status_code == 200, r.text
    return folio


def _firmado(sesion, medio, hace: timedelta, telefono=TELEFONO):
    sesion.add(m.ContactoFirmado(medio=medio, telefono=telefono, ultimo_en=AHORA - hace))
    sesion.commit()


def _filas(sesion):
    return list(sesion.execute(select(m.RecordatorioMes).order_by(m.RecordatorioMes.id)).scalars())


def test_whatsapp_inside_the_window_once_per_month_even_if_run_twice(client, sesion):
    folio = _caso(client)
    _firmado(sesion, "whatsapp", timedelta(hours=2))
    twilio = TwilioFalso()
    primera = job.correr(sesion, AHORA, twilio, AJUSTES)
    segunda = job.correr(sesion, AHORA + timedelta(hours=1), twilio, AJUSTES)
    assert primera.enviados == {"whatsapp": 1} and segunda.ya_enviados == 1
    assert len(twilio.textos) == 1
    medio, telefono, texto = twilio.textos[0]
    assert (medio, telefono) == ("whatsapp", TELEFONO)
    assert folio in texto and "día 20" in texto and "confírmalo con el IMSS" in texto
    assert "BAJA" in texto and len(texto) <= 320
    assert [(f.mes, f.via) for f in _filas(sesion)] == [("2026-12", "whatsapp")]


def test_two_replicas_racing_send_one(client, app):
    _caso(client)
    with app.state.sessionmaker() as s:
        _firmado(s, "whatsapp", timedelta(hours=2))
    twilio = TwilioFalso()
    with app.state.sessionmaker() as a, app.state.sessionmaker() as b:
        # Both read the candidates before either claims (what two replicas would do).
        candidatos = job._candidatos(a), job._candidatos(b)
        assert all(len(c) == 1 for c in candidatos)
        job.correr(a, AHORA, twilio, AJUSTES)
        job.correr(b, AHORA, twilio, AJUSTES)
    assert len(twilio.textos) == 1


def test_outside_the_window_the_approved_template_with_its_variables(client, sesion):
    folio = _caso(client)
    _firmado(sesion, "whatsapp", timedelta(days=3))
    twilio = TwilioFalso()
    assert job.correr(sesion, AHORA, twilio, AJUSTES).enviados == {"plantilla": 1}
    assert twilio.textos == []
    assert twilio.plantillas == [(TELEFONO, AJUSTES.plantilla, {"1": folio, "2": "20"})]


def test_sms_is_the_fallback_when_the_template_fails_or_is_not_set(client, sesion):
    _caso(client)
    _firmado(sesion, "whatsapp", timedelta(days=3))
    _firmado(sesion, "telefono", timedelta(days=3))
    twilio = TwilioFalso(falla={"plantilla"})
    assert job.correr(sesion, AHORA, twilio, AJUSTES).enviados == {"sms": 1}
    assert twilio.textos[0][:2] == ("sms", TELEFONO)


def test_web_chat_gets_a_pending_notice(client, sesion):
    _caso(client)  # the number never wrote to us: nothing vouches for it
    twilio = TwilioFalso()
    assert job.correr(sesion, AHORA, twilio, AJUSTES).enviados == {"web": 1}
    assert twilio.textos == []
    r = client.post("/v1/avisos/entregas", headers=A, json={"canal": "web", "direccion": WEB})
    avisos = r.json()["avisos"]
    assert any("recuerda pagar tu cuota" in a for a in avisos)


@pytest.mark.parametrize(
    "ahora",
    [
        datetime(2026, 12, 17, 13, 0, tzinfo=timezone.utc),  # 7:00 in Chicago
        datetime(2026, 12, 18, 3, 0, tzinfo=timezone.utc),  # 21:00 in Chicago
    ],
)
def test_quiet_hours_wait_for_a_later_run(client, sesion, ahora):
    _caso(client)
    _firmado(sesion, "whatsapp", timedelta(hours=1))
    twilio = TwilioFalso()
    resumen = job.correr(sesion, ahora, twilio, AJUSTES)
    assert resumen.fuera_de_horario == 1 and twilio.textos == [] and _filas(sesion) == []
    assert job.correr(sesion, AHORA, twilio, AJUSTES).enviados == {"whatsapp": 1}


def test_the_time_zone_is_the_consulates(client, sesion):
    # 16:00 UTC is 8:00 in Los Angeles: too early there, fine in Chicago.
    _caso(client, consulado="Los Angeles, CA", telefono="+13105550150")
    twilio = TwilioFalso()
    assert job.correr(sesion, AHORA, twilio, AJUSTES).fuera_de_horario == 1


def test_not_before_the_days_ahead_of_the_deadline(client, sesion):
    _caso(client)
    twilio = TwilioFalso()
    resumen = job.correr(sesion, datetime(2026, 12, 5, 16, 0, tzinfo=timezone.utc), twilio, AJUSTES)
    assert resumen.enviados == {} and _filas(sesion) == []


def test_opt_out_and_no_consent_get_nothing(client, sesion):
    _caso(client, recordatorios=False, telefono="+13125550151")
    _caso(client)
    _firmado(sesion, "whatsapp", timedelta(hours=1))
    r = client.post(
        "/v1/recordatorios/baja", headers=A, json={"canal": "whatsapp", "direccion": TELEFONO}
    )
    assert r.status_code == 200 and r.json()["registros"] == 1
    twilio = TwilioFalso()
    assert job.correr(sesion, AHORA, twilio, AJUSTES).enviados == {}
    assert twilio.textos == [] and _filas(sesion) == []


def test_a_case_without_imss_linea_gets_no_reminder(client, sesion):
    cuerpo = registro_body(make_curp(), telefono=TELEFONO, recordatorios=True)
    assert client.post("/v1/registros", headers=A, json=cuerpo).status_code == 201
    _firmado(sesion, "whatsapp", timedelta(hours=1))
    assert job.correr(sesion, AHORA, TwilioFalso(), AJUSTES).enviados == {}
    assert sesion.execute(select(func.count()).select_from(m.RecordatorioMes)).scalar() == 0
