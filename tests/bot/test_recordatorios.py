"""Issue 15: the payment reminders' pure rules (opt-out words, quiet hours, zones, text)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot import recordatorios as r


@pytest.mark.parametrize(
    "texto",
    ["BAJA", "baja", " Alto ", "PARAR", "Cancelar recordatorios", "STOP", "unsubscribe", "Baja."],
)
def test_opt_out_words(texto):
    assert r.es_baja(texto)


@pytest.mark.parametrize(
    "texto",
    ["no quiero darme de baja", "cancelar", "altos de la ciudad", "", None, "recordatorios"],
)
def test_not_opt_out(texto):
    assert not r.es_baja(texto)


def test_opting_back_in():
    assert r.es_alta("RECORDATORIOS") and r.es_alta("Recordatorios") and not r.es_alta("baja")
    assert "RECORDATORIOS" in r.CONFIRMACION_BAJA


@pytest.mark.parametrize(
    ("consulado", "zona"),
    [
        ("Chicago, IL", "America/Chicago"),
        ("Los Angeles, CA", "America/Los_Angeles"),
        ("New York, NY", "America/New_York"),
        ("Phoenix, AZ", "America/Phoenix"),
        (None, "America/Mexico_City"),
        ("Toronto", "America/Mexico_City"),
    ],
)
def test_zone_from_the_consulate(consulado, zona):
    assert str(r.zona_de(consulado)) == zona


def test_quiet_hours_are_local():
    chicago = r.zona_de("Chicago, IL")
    assert r.en_horario(datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc), chicago)  # 9:00
    assert not r.en_horario(datetime(2026, 12, 17, 14, 59, tzinfo=timezone.utc), chicago)
    assert not r.en_horario(datetime(2026, 12, 18, 2, 0, tzinfo=timezone.utc), chicago)  # 20:00


def test_the_month_and_the_days_are_local():
    chicago = r.zona_de("Chicago, IL")
    # 1 January 03:00 UTC is still 31 December in Chicago.
    assert r.mes_de(datetime(2027, 1, 1, 3, 0, tzinfo=timezone.utc), chicago) == "2026-12"
    assert r.toca_recordar(datetime(2026, 12, 15, 18, 0, tzinfo=timezone.utc), chicago)
    assert r.toca_recordar(datetime(2026, 12, 20, 18, 0, tzinfo=timezone.utc), chicago)
    assert not r.toca_recordar(datetime(2026, 12, 14, 18, 0, tzinfo=timezone.utc), chicago)
    assert not r.toca_recordar(datetime(2026, 12, 21, 18, 0, tzinfo=timezone.utc), chicago)


def test_the_text_has_the_caveat_and_fits_an_sms():
    texto = r.texto_recordatorio("OR-7K2M9QX4TB", date(2026, 12, 20))
    assert "día 20" in texto and "confírmalo con el IMSS" in texto and "BAJA" in texto
    assert len(texto) <= 320
