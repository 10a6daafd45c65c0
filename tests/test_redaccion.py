"""Issue 15's wording rules, over every answer (domain.yml and the generated knowledge base),
the bot's own texts and the web pages."""

import re

import pytest
import yaml

from tests.conftest import ROOT

RESPUESTAS_FAQ = ROOT / "data" / "faq" / "respuestas.yml"
PAGINAS = sorted((ROOT / "servicio" / "web" / "templates").glob("*.html"))
CODIGO_BOT = sorted((ROOT / "bot").glob("*.py")) + sorted((ROOT / "actions").glob("*.py"))


@pytest.fixture(scope="module")
def textos(domain) -> list[str]:
    generadas = yaml.safe_load(RESPUESTAS_FAQ.read_text())["responses"]
    todas = {**domain["responses"], **generadas}
    planos = [v["text"] for lista in todas.values() for v in lista if "text" in v]
    planos += [p.read_text(encoding="utf-8") for p in PAGINAS]
    return [" ".join(t.split()) for t in planos]


def test_modalidad_10_always_says_it_is_the_press_name(textos):
    for texto in textos:
        for m in re.finditer(r"Modalidad 10\"?", texto):
            assert texto[m.end() :].lstrip().startswith("(así la llama la prensa)"), texto


def test_consulates_help_they_do_not_enrol(textos):
    for texto in textos:
        clave = texto.lower()
        assert not re.search(r"(?<!no )te inscriben(?! ellas)|te dan de alta|te afilian", clave), (
            texto
        )


def test_desks_give_some_vaccines_not_vaccines(textos):
    for texto in textos:
        for m in re.finditer(r"vacun\w*", texto, re.IGNORECASE):
            assert texto[max(0, m.start() - 8) : m.start()].lower().endswith("algunas "), texto


def test_the_payment_deadline_keeps_its_hedge(textos):
    for texto in textos:
        if re.search(r"más tardar el día 20", texto):
            assert "confírmalo con el IMSS" in texto, texto


def test_no_email_is_promised(textos):
    codigo = [p.read_text(encoding="utf-8") for p in CODIGO_BOT]
    promesa = re.compile(
        r"te (?:enviaremos|mandaremos|llegará) un (?:correo|e-?mail)"
        r"|recibirás un (?:correo|e-?mail)|te escribiremos por correo",
        re.IGNORECASE,
    )
    for texto in textos + codigo:
        assert not promesa.search(texto), texto[:200]


def test_floor_and_cap_are_estimates_not_hard_limits(textos):
    duro = re.compile(
        r"no puedes declarar (?:menos|más)|el piso del ingreso que (?:puedes declarar|declaras)"
        r"|no (?:se )?puede(?:s)? (?:ser|declarar) (?:menor|mayor)",
        re.IGNORECASE,
    )
    for texto in textos:
        assert not duro.search(texto), texto
