"""The fee model against the facts addendum's worked examples (§2.4, §1.3) and the year switch."""

from datetime import date
from decimal import Decimal as D

import pytest

from bot.cuota import (
    AJUSTE_PISO,
    AJUSTE_TOPE,
    CESANTIA_INCIERTA,
    RIESGO_TRABAJO,
    VALORES_DE_OTRO_ANIO,
    cuota_del_anio,
    cuota_en,
    limites_de_ingreso,
)
from bot.parametros import (
    SinTablaDelAnio,
    anio_de_la_uma,
    anios_disponibles,
    cargar_cesantia,
    cargar_parametros,
    vigentes_en,
)

UN_PESO = D(1)


def cerca(valor: D, esperado: str) -> bool:
    return abs(valor - D(esperado)) <= UN_PESO


def claves(q) -> list[str]:
    return [a.clave for a in q.avisos]


# ------------------------------------------------------------------ tables
def test_tables_exist_for_2024_to_2026_with_facts_values():
    assert {2024, 2025, 2026} <= set(anios_disponibles())
    assert cargar_parametros(2024).uma_diaria == D("108.57")
    assert cargar_parametros(2025).salario_minimo_diario == D("278.80")
    p = cargar_parametros(2026)
    assert (p.uma_diaria, p.salario_minimo_diario, p.dias_por_mes) == (
        D("117.31"),
        D("315.04"),
        D("30.4"),
    )


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_rate_has_legal_basis_and_the_unknowns_are_flagged(year):
    p = cargar_parametros(year)
    assert p.piso.supuesto and p.tope.supuesto  # LSS art. 28 not retrieved; which SM zone ⚠
    assert p.riesgo_trabajo.prima_maxima_supuesta == D(1) and p.riesgo_trabajo.nota
    assert p.fuentes
    assert "riesgos_trabajo" not in {r.clave for r in p.cuotas}  # the premium is the range
    for rate in p.cuotas:
        assert rate.nota and "LSS art" in rate.fundamento
    assert [r.clave for r in p.cuotas if r.patron is None] == ["cesantia_vejez"]


def test_cesantia_table_is_the_addendums_with_2027_flagged():
    t = cargar_cesantia()
    assert sorted(t.columnas) == [2023, 2024, 2025, 2026, 2027, 2030]
    assert t.columnas[2026].tasas == tuple(
        D(x) for x in ("3.150", "3.676", "4.851", "5.556", "6.026", "6.361", "6.613", "7.513")
    )
    assert t.columnas[2030].tasas[-1] == D("11.875") and t.columnas[2023].tasas[1] == D("3.281")
    assert t.columnas[2027].incierto and "DOF" in t.columnas[2027].nota
    assert not any(c.incierto for a, c in t.columnas.items() if a != 2027)


def test_a_missing_table_is_an_error_for_the_loader_only():
    with pytest.raises(SinTablaDelAnio) as exc:
        cargar_parametros(2023)
    assert "2023" in str(exc.value) and "2026" in str(exc.value)
    assert cuota_en(D("12000"), date(2023, 6, 1)).total_mensual > 0  # the quote never fails


def test_bounds_2026():
    # floor 315.04 × 30.4 = 9,577.216 ; cap 25 × 117.31 × 30.4 = 89,155.60
    assert limites_de_ingreso(vigentes_en(date(2026, 6, 1))) == (D("9577.22"), D("89155.60"))


# ------------------------------------------------------------------ worked examples
@pytest.mark.parametrize(
    ("ingreso", "banda", "tasa", "antes_de_rt", "rt_por_1"),
    [
        ("9577.22", "1.00 SM", "3.150", "1879", "96"),  # 1 SM general
        ("10000", "2.51 a 3.00 UMA", "6.026", "2218", "100"),
        ("20000", "4.01 UMA en adelante", "7.513", "4145", "200"),
        ("89155.60", "4.01 UMA en adelante", "7.513", "16515", "892"),  # 25 UMA cap
        ("13402.45", "3.51 a 4.00 UMA", "6.613", "2844", "134"),  # 1 SM frontera, "otherwise"
    ],
)
def test_worked_2026_examples_within_one_peso(ingreso, banda, tasa, antes_de_rt, rt_por_1):
    q = cuota_del_anio(D(ingreso), 2026)
    assert (q.cesantia_banda, q.cesantia_tasa_patron) == (banda, D(tasa))
    assert cerca(q.total_mensual, antes_de_rt), q.total_mensual
    assert cerca(q.riesgo_trabajo_maximo, rt_por_1)  # the range's top assumes a 1 % premium
    assert q.total_maximo == q.total_mensual + q.riesgo_trabajo_maximo
    assert q.ajuste is None and q.anio_valores is None


def test_2025_minimum_matches_what_imss_reported():
    """§1.3: 1,720.83 at 1 SM in 2025 ("alrededor de 1,700 pesos", IMSS, June 2025)."""
    q = cuota_del_anio(D("8475.52"), 2025)
    assert cerca(q.total_mensual, "1720.83")


def test_10000_line_by_line():
    q = cuota_del_anio(D("10000"), 2026)
    got = {ln.clave: (ln.cuota_trabajador, ln.cuota_patron) for ln in q.lineas}
    # cuota fija 117.31 × 30.4 × 20.40 % = 727.51; 328.95/day < 3 UMA: no excedente;
    # CyV employer 6.026 % (band 2.51-3.00 UMA), worker 1.125 %.
    assert got == {
        "eym_cuota_fija": (D("0.00"), D("727.51")),
        "eym_excedente": (D("0.00"), D("0.00")),
        "eym_prestaciones_dinero": (D("25.00"), D("70.00")),
        "eym_gastos_medicos_pensionados": (D("37.50"), D("105.00")),
        "invalidez_vida": (D("62.50"), D("175.00")),
        "retiro": (D("0.00"), D("200.00")),
        "cesantia_vejez": (D("112.50"), D("602.60")),
        "guarderias": (D("0.00"), D("100.00")),
    }
    assert q.total_mensual == D("2217.61")
    assert q.totales_por_periodo[12] == D("2217.61") * 12


def test_2026_quirk_just_above_the_minimum_jumps_a_band():
    """§2.2: the SM is 2.69 UMA in 2026, so 1.01 SM - 1.50 UMA is empty."""
    en_el_minimo = cuota_del_anio(D("9577.22"), 2026)
    arriba = cuota_del_anio(D("9700"), 2026)
    assert arriba.cesantia_tasa_patron == D("6.026")
    assert arriba.total_mensual - en_el_minimo.total_mensual > D(250)


# ------------------------------------------------------------------ floor and cap
def test_income_below_the_floor_is_estimated_at_the_floor_with_the_caveat():
    q = cuota_del_anio(D("5000"), 2026)
    assert q.ajuste == AJUSTE_PISO and q.ingreso_declarado_mxn == D("5000.00")
    assert q.ingreso_mensual_mxn == D("9577.22")
    assert q.total_mensual == cuota_del_anio(D("9577.22"), 2026).total_mensual
    aviso = next(a for a in q.avisos if a.clave == AJUSTE_PISO)
    assert "$9,577" in aviso.texto and "confírmalo con el IMSS" in aviso.texto


def test_income_above_the_cap_is_estimated_at_the_cap_with_the_caveat():
    q = cuota_del_anio(D("150000"), 2026)
    assert q.ajuste == AJUSTE_TOPE and q.ingreso_mensual_mxn == D("89155.60")
    assert cerca(q.total_mensual, "16515")
    assert "25 UMA" in next(a for a in q.avisos if a.clave == AJUSTE_TOPE).texto


# ------------------------------------------------------------------ years
@pytest.mark.parametrize(
    ("fecha", "anio_uma"),
    [(date(2026, 1, 31), 2025), (date(2026, 2, 1), 2026), (date(2027, 1, 15), 2026)],
)
def test_the_uma_changes_on_1_february(fecha, anio_uma):
    assert anio_de_la_uma(fecha) == anio_uma


def test_january_2026_uses_the_2026_minimum_wage_and_the_2025_uma():
    v = vigentes_en(date(2026, 1, 15))
    assert v.salario_minimo.valor == D("315.04") and v.uma.valor == D("113.14")
    assert v.anio_valores is None  # both are the ones in force: nothing is from another year
    assert VALORES_DE_OTRO_ANIO not in claves(cuota_en(D("15000"), date(2026, 1, 15)))


def test_2026_12_31_uses_2026_values():
    q = cuota_en(D("15000"), date(2026, 12, 31))
    assert (q.salario_minimo_diario, q.uma_diaria, q.cesantia_anio) == (
        D("315.04"),
        D("117.31"),
        2026,
    )
    assert claves(q) == [RIESGO_TRABAJO]


@pytest.mark.parametrize("fecha", [date(2027, 1, 1), date(2027, 1, 15)])
def test_january_2027_quotes_with_the_2026_minimum_wage_and_says_so(fecha):
    q = cuota_en(D("15000"), fecha)
    assert q.anio == 2027 and q.anio_valores == 2026
    assert (q.salario_minimo_diario, q.anio_salario_minimo) == (D("315.04"), 2026)
    assert (q.uma_diaria, q.anio_uma) == (D("117.31"), 2026)  # in force until 31 January
    assert q.cesantia_anio == 2027 and q.cesantia_incierta
    assert claves(q)[:2] == [VALORES_DE_OTRO_ANIO, CESANTIA_INCIERTA]
    assert q.avisos[0].texto == (
        "Estimación con valores de 2026: el salario mínimo de 2027 aún no está en nuestras fuentes."
    )
    assert next(ln for ln in q.lineas if ln.clave == "cesantia_vejez").supuesto


def test_february_2027_also_says_the_uma_is_missing():
    q = cuota_en(D("15000"), date(2027, 2, 15))
    assert "el salario mínimo y la UMA de 2027" in q.avisos[0].texto
    assert q.cesantia_tasa_patron == D("8.603")


def test_after_2030_the_final_cesantia_rate_is_the_law_not_a_stand_in():
    v = vigentes_en(date(2031, 3, 1))
    assert v.cesantia.anio == 2030 and v.anio_cesantia == 2030
    assert "cesantía" not in cuota_en(D("15000"), date(2031, 3, 1)).avisos[0].texto
