from decimal import Decimal as D

import pytest

from bot.cuota import IngresoFueraDeRango, calcular_cuota, cuota_del_anio, limites_de_ingreso
from bot.parametros import SinTablaDelAnio, anios_disponibles, cargar_parametros


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
def test_every_rate_is_flagged_and_has_legal_basis(year):
    p = cargar_parametros(year)
    assert p.piso.supuesto and p.tope.supuesto
    assert p.fuentes
    for rate in p.cuotas:
        assert rate.supuesto is True and rate.nota
        assert "LSS art" in rate.fundamento


def test_missing_year_is_an_error_not_a_guess():
    with pytest.raises(SinTablaDelAnio) as exc:
        cargar_parametros(2023)
    assert "2023" in str(exc.value) and "2026" in str(exc.value)


def test_bounds_2026():
    # floor 315.04 × 30.4 = 9,577.216 ; cap 25 × 117.31 × 30.4 = 89,155.60
    assert limites_de_ingreso(cargar_parametros(2026)) == (D("9577.22"), D("89155.60"))


def test_worked_example_12000_mxn_2026():
    q = cuota_del_anio(D("12000"), 2026)
    got = {ln.clave: (ln.cuota_trabajador, ln.cuota_patron) for ln in q.lineas}
    # Worked by hand:
    #  cuota fija: 117.31 × 30.4 = 3,566.224 × 20.40 % = 727.5097 -> 727.51 (patrón)
    #  excedente: SBC diario 12000/30.4 = 394.7368; 3 UMA = 351.93;
    #             (394.7368 − 351.93) × 30.4 = 1,301.328 -> 0.40 % = 5.21 ; 1.10 % = 14.31
    #  prestaciones en dinero 12000 × 0.25 % = 30.00 ; × 0.70 % = 84.00
    #  pensionados 12000 × 0.375 % = 45.00 ; × 1.05 % = 126.00
    #  riesgos de trabajo 12000 × 0.54355 % = 65.226 -> 65.23
    #  invalidez y vida 75.00 / 210.00 ; retiro 240.00 ; CyV 135.00 / 378.00 ;
    #  guarderías 120.00
    assert got == {
        "eym_cuota_fija": (D("0.00"), D("727.51")),
        "eym_excedente": (D("5.21"), D("14.31")),
        "eym_prestaciones_dinero": (D("30.00"), D("84.00")),
        "eym_gastos_medicos_pensionados": (D("45.00"), D("126.00")),
        "riesgos_trabajo": (D("0.00"), D("65.23")),
        "invalidez_vida": (D("75.00"), D("210.00")),
        "retiro": (D("0.00"), D("240.00")),
        "cesantia_vejez": (D("135.00"), D("378.00")),
        "guarderias": (D("0.00"), D("120.00")),
    }
    assert q.total_trabajador == D("290.21")
    assert q.total_patron == D("1965.05")
    assert q.total_mensual == D("2255.26")
    assert q.totales_por_periodo == {
        1: D("2255.26"),
        2: D("4510.52"),
        3: D("6765.78"),
        6: D("13531.56"),
        12: D("27063.12"),
    }
    assert q.sbc_diario == D("394.74")


def test_income_under_three_uma_pays_no_excedente():
    q = cuota_del_anio(D("10000"), 2026)  # 328.95/day < 351.93
    exc = next(ln for ln in q.lineas if ln.clave == "eym_excedente")
    assert exc.base_mensual == D("0.00") and exc.total == D("0.00")


def test_floor_is_inclusive_and_out_of_range_raises_spanish():
    params = cargar_parametros(2026)
    assert calcular_cuota(D("9577.22"), params).total_mensual > 0
    assert calcular_cuota(D("89155.60"), params).total_mensual > 0
    for value in (D("9577.21"), D("89155.61")):
        with pytest.raises(IngresoFueraDeRango) as exc:
            calcular_cuota(value, params)
        assert "9,577.22" in exc.value.mensaje and "89,155.60" in exc.value.mensaje
