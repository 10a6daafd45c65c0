from datetime import date, datetime, timedelta, timezone

from bot.tiempo import ZONA_MX, ahora_utc, dia_en_mexico, en_utc


def test_zona_mx_is_utc_minus_6_all_year():
    assert datetime(2026, 1, 15, tzinfo=ZONA_MX).utcoffset() == timedelta(hours=-6)
    assert datetime(2026, 7, 15, tzinfo=ZONA_MX).utcoffset() == timedelta(hours=-6)


def test_ahora_utc_is_aware_utc():
    ahora = ahora_utc()
    assert ahora.utcoffset() == timedelta(0)
    assert abs(ahora - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_en_utc_reads_naive_as_utc_and_converts_aware():
    assert en_utc(None) is None
    assert en_utc(datetime(2026, 3, 1, 12)) == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    local = datetime(2026, 3, 1, 6, tzinfo=ZONA_MX)
    convertido = en_utc(local)
    assert convertido.utcoffset() == timedelta(0)
    assert convertido.hour == 12


def test_dia_en_mexico_is_the_previous_day_before_6_utc():
    assert dia_en_mexico(datetime(2026, 3, 2, 5, 59)) == date(2026, 3, 1)
    assert dia_en_mexico(datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)) == date(2026, 3, 2)


def test_leer_instante_lee_la_z_de_pydantic_2_y_el_desfase():
    from datetime import datetime, timezone

    from bot.tiempo import leer_instante

    esperado = datetime(2026, 12, 21, 5, 59, 59, tzinfo=timezone.utc)
    assert leer_instante("2026-12-21T05:59:59Z") == esperado
    assert leer_instante("2026-12-21T05:59:59+00:00") == esperado
    assert leer_instante("2026-12-20T23:59:59-06:00") == esperado
    assert leer_instante("2026-12-21T05:59:59Z").tzinfo is not None
