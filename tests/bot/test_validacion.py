from datetime import date

import pytest
from stdnum.mx import curp as stdnum_curp

from bot.validacion import (
    ErrorValidacion,
    digito_verificador_nss,
    es_e164,
    extraer_curp,
    hay_curp,
    normalizar_telefono,
    validar_correo,
    validar_curp,
    validar_nss,
)
from tests.ayudas import make_curp, make_nss

# Check digit computed by python-stdnum, not copied from anywhere.
VALID = "GOMC850312HJCRRR0" + stdnum_curp.calc_check_digit("GOMC850312HJCRRR0")


def test_curp_valid_derives_birth_sex_state():
    info = validar_curp(f"  {VALID.lower()} ")
    assert info.curp == VALID
    assert info.fecha_nacimiento == date(1985, 3, 12)
    assert info.sexo == "H"
    assert info.estado_clave == "JC" and info.estado_nombre == "Jalisco"


def test_curp_woman_born_abroad_2000s():
    prefix = "LOPM050101MNELPRA"  # born 2005: homoclave is a letter
    value = prefix + stdnum_curp.calc_check_digit(prefix)
    info = validar_curp(value)
    assert info.fecha_nacimiento == date(2005, 1, 1)
    assert info.sexo == "M"
    assert info.estado_nombre == "Nacido en el extranjero"


def test_generated_curps_are_valid():
    for _ in range(20):
        assert validar_curp(make_curp()).curp


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Escribe tu CURP"),
        ("GOMC850312", "18 caracteres y tiene 10"),
        (VALID[:-1] + str((int(VALID[-1]) + 1) % 10), "verificador"),
        ("GOMC851312HJCRRR01", "formato"),  # month 13
        ("1OMC850312HJCRRR01", "formato"),
    ],
)
def test_curp_errors_are_spanish_with_example(text, fragment):
    with pytest.raises(ErrorValidacion) as exc:
        validar_curp(text)
    assert fragment in exc.value.mensaje
    assert "Ejemplo" in exc.value.mensaje
    assert exc.value.campo == "curp"


def test_curp_unknown_state_code():
    prefix = "GOMC850312HXXRRR0"
    value = prefix + stdnum_curp.calc_check_digit(prefix)
    with pytest.raises(ErrorValidacion):
        validar_curp(value)


def test_nss_check_digit_worked_example():
    # 1234567890: weights 1,2,1,2,...: 1+4+3+(8)+5+(1+2)+7+(1+6)+9+0 = 47 -> (10-7)%10 = 3
    assert digito_verificador_nss("1234567890") == "3"
    assert validar_nss("1234-5678-903") == "12345678903"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("12345678904", "verificador"),
        ("1234567890", "11 dígitos"),
        ("1234567890A", "solo lleva números"),
        ("", "Escribe tu NSS"),
    ],
)
def test_nss_errors(text, fragment):
    with pytest.raises(ErrorValidacion) as exc:
        validar_nss(text)
    assert fragment in exc.value.mensaje and "Ejemplo" in exc.value.mensaje


def test_make_nss_is_valid():
    assert validar_nss(make_nss("0987654321"))


def test_email():
    assert validar_correo(" Maria.Lopez@Example.COM ") == "Maria.Lopez@example.com"
    for bad in ["", "maria", "maria@", "maria@@x.com"]:
        with pytest.raises(ErrorValidacion) as exc:
            validar_correo(bad)
        assert "Ejemplo" in exc.value.mensaje


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("(312) 555-1234", "US", "+13125551234"),
        ("312-555-1234", "US", "+13125551234"),
        ("1 312 555 1234", "US", "+13125551234"),
        ("+52 55 1234 5678", "US", "+525512345678"),
        ("+52 1 55 1234 5678", "US", "+525512345678"),
        ("0052 55 1234 5678", "US", "+525512345678"),
        ("011 52 55 1234 5678", "US", "+525512345678"),
        ("55 1234 5678", "MX", "+525512345678"),
        ("+34 612 345 678", "US", "+34612345678"),
    ],
)
def test_phone_normalised_to_e164(text, country, expected):
    assert normalizar_telefono(text, default_country=country) == expected


@pytest.mark.parametrize(
    "text", ["", "555-1234", "+52 55 1234", "(012) 555-1234", "llámame", "+1 312 555 12345"]
)
def test_phone_errors(text):
    with pytest.raises(ErrorValidacion) as exc:
        normalizar_telefono(text)
    assert "Ejemplos" in exc.value.mensaje
    assert exc.value.campo == "telefono"


# ------------------------------------------------------------------ CURP in a sentence, E.164
@pytest.mark.parametrize(
    "texto",
    [
        "GOCR850312HJCMRR00",
        "gocr 850312 hjcmrr00",
        "mi curp es GOCR850312HJCMRR00 gracias",
        "Mi CURP: gocr850312hjcmrr00.",
    ],
)
def test_extraer_curp_alone_or_in_a_sentence(texto):
    assert extraer_curp(texto).curp == "GOCR850312HJCMRR00"


def test_extraer_curp_keeps_the_error_of_the_whole_text():
    with pytest.raises(ErrorValidacion, match="18 caracteres"):
        extraer_curp("mi curp es GOCR8503")
    with pytest.raises(ErrorValidacion, match="18 caracteres"):
        extraer_curp("mi curp es GOCR850312HJCMRR08")  # wrong check digit in a sentence


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("mi curp es GOCR850312HJCMRR00", True),
        ("mi curp es GOCR850312HJCMRR08", False),
        ("GOCR850312", False),
        ("", False),
    ],
)
def test_hay_curp(texto, esperado):
    assert hay_curp(texto) is esperado


@pytest.mark.parametrize(
    ("telefono", "esperado"),
    [
        ("+13125551234", True),
        ("+525512345678", True),
        ("13125551234", False),
        ("+03125551234", False),
        ("+1 312 555 1234", False),
        ("+1234567", False),
        (None, False),
    ],
)
def test_es_e164(telefono, esperado):
    assert es_e164(telefono) is esperado


def test_normalizar_telefono_always_gives_e164():
    assert es_e164(normalizar_telefono("(312) 555-1234"))


# ------------------------------------------------------------------ one-time codes (issue 16)
@pytest.mark.parametrize(
    ("texto", "codigo"),
    [("482913", "482913"), (" 482 913 ", "482913"), ("mi código es 482-913", "482913")],
)
def test_leer_codigo(texto, codigo):
    from bot.validacion import leer_codigo

    assert leer_codigo(texto) == codigo


@pytest.mark.parametrize("texto", ["", "12345", "1234567", "hola", None])
def test_leer_codigo_refuses_anything_but_six_digits(texto):
    from bot.validacion import ErrorValidacion, leer_codigo

    with pytest.raises(ErrorValidacion) as error:
        leer_codigo(texto)
    assert "6 números" in error.value.mensaje


@pytest.mark.parametrize(
    ("texto", "pide"),
    [
        ("OTRO CÓDIGO", True),
        ("no me llegó", True),
        ("reenvíalo porfa", True),
        ("ya venció", True),
        ("482913", False),
        ("sí", False),
    ],
)
def test_pide_otro_codigo(texto, pide):
    from bot.lectura import pide_otro_codigo

    assert pide_otro_codigo(texto) is pide
