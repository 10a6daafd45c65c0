"""The knowledge base (data/conocimiento/): every entry keeps the content rules once its yearly
values are filled in, for this year and the next, and the generator keeps the held-out half of the
real questions out of the training data."""

import re
from datetime import date

import pytest
import yaml

from bot import conocimiento as kb
from bot.texto import clave_de_pregunta as clave
from tests.conftest import ROOT

SHARED = ROOT.parent / "shared"
FUENTES = [
    SHARED / "knowledge" / "facts.md",
    SHARED / "knowledge" / "facts-addendum-2026-12.md",
    *sorted((SHARED / "seeds").glob("*.txt")),
]
HOY = date(2026, 12, 1)
PROXIMO_ANIO = date(2027, 3, 1)  # no 2027 UMA or minimum-wage table yet: the 2026 one is used
EJEMPLO = re.compile(r"\b(?:Ej\.|Ejemplo)\s*:.*$", re.MULTILINE)


@pytest.fixture(scope="module")
def entradas() -> tuple[kb.Entrada, ...]:
    return kb.cargar()


def _numeros(texto: str) -> set[str]:
    crudos = re.findall(r"\d+(?:[.,]\d+)*", EJEMPLO.sub("", texto))
    return {re.sub(r"\D", "", n) for n in crudos}


def test_at_least_150_entries_of_every_kind(entradas):
    tipos = [e.tipo for e in entradas]
    assert len(entradas) >= 150
    assert tipos.count("fuera_de_alcance") >= 10 and tipos.count("urgente") >= 4
    assert sum(len(e.preguntas) for e in entradas) >= 10 * len(entradas)


@pytest.mark.parametrize("hoy", [HOY, PROXIMO_ANIO], ids=["2026", "2027"])
def test_every_short_answer_fits_an_sms_and_ends_with_its_source(entradas, hoy):
    valores = kb.valores_del_anio(hoy)
    largas = {}
    for e in entradas:
        corta, detalle = kb.texto_corto(e, valores), kb.texto_detalle(e, valores)
        assert corta.splitlines()[-1].startswith("Fuente: "), e.id
        assert detalle.splitlines()[-1].startswith("Fuente: "), e.id
        if len(corta) > kb.MAX_SMS:
            largas[e.id] = len(corta)
    assert not largas


def test_answers_use_tu_and_uncertain_ones_say_to_confirm(entradas):
    for e in entradas:
        assert not re.search(r"\busted(es)?\b", e.corta + e.detalle, re.IGNORECASE), e.id
        if e.incierto:
            assert kb.CONFIRMA in e.corta and kb.CONFIRMA in e.detalle, e.id


def test_yearly_values_are_never_typed_into_the_texts(entradas):
    """2026's UMA, minimum wage and Ley 97 weeks come from the yearly tables, as placeholders."""
    valores = kb.valores_del_anio(HOY).valores
    tecleados = [
        (e.id, v)
        for e in entradas
        for v in (valores["uma_diaria"], valores["salario_minimo_diario"])
        if v in e.corta or v in e.detalle
    ]
    tecleados += [(e.id, "semanas") for e in entradas if re.search(r"\b875\b", e.corta + e.detalle)]
    assert not tecleados


@pytest.mark.skipif(
    not FUENTES[0].exists(), reason="../shared (facts.md) is not beside the checkout"
)
def test_no_figure_is_invented(entradas):
    """Every figure above 12 in an answer, yearly values filled in, appears in the sources."""
    fuentes = set().union(*(_numeros(p.read_text()) for p in FUENTES))
    inventadas = {}
    for hoy in (HOY, PROXIMO_ANIO):
        valores = kb.valores_del_anio(hoy)
        for e in entradas:
            for texto in (kb.texto_corto(e, valores), kb.texto_detalle(e, valores)):
                for n in _numeros(texto):
                    if int(n) > 12 and n not in fuentes and n != str(hoy.year):
                        inventadas.setdefault(e.id, set()).add(n)
    assert not inventadas


def test_urgent_answers_give_a_number_first_and_offer_a_person(entradas):
    for e in (e for e in entradas if e.tipo == "urgente"):
        assert re.search(r"\d{3}", e.corta[:120]), e.id  # the number comes first
        assert "PROMOTOR" in e.corta or "persona" in e.corta, e.id


def test_a_missing_year_uses_the_last_table_and_says_so(entradas):
    valores = kb.valores_del_anio(PROXIMO_ANIO)
    assert valores.anio == 2027 and valores.tabla == 2026 and valores.de_otro_anio
    assert valores.valores["semanas_ley97"] == "900"  # the weeks schedule is known to 2031
    con_uma = [e for e in entradas if "{uma_" in e.detalle or "{salario_minimo" in e.detalle]
    for e in con_uma:
        assert "Valores de 2026" in kb.texto_detalle(e, valores), e.id
    assert not kb.valores_del_anio(HOY).de_otro_anio


def test_a_broken_entry_is_refused_naming_the_rule(tmp_path):
    (tmp_path / "malo.yml").write_text(
        yaml.safe_dump(
            {
                "tema": "prueba",
                "entradas": [
                    {
                        "id": "prueba_mala",
                        "titulo": "Mala",
                        "tipo": "pti",
                        "corta": "En {anio} la UMA vale {uma}.",
                        "detalle": "Nada.",
                        "fuente": "Nadie",
                        "revisar_antes_de": date(2027, 1, 1),
                        "incierto": True,
                        "preguntas": ["una", "dos"],
                    }
                ],
            },
            allow_unicode=True,
        )
    )
    with pytest.raises(kb.EntradaInvalida) as error:
        kb.cargar(tmp_path)
    mensaje = str(error.value)
    assert "prueba_mala" in mensaje and "10 maneras" in mensaje
    assert "['uma']" in mensaje and kb.CONFIRMA in mensaje


def test_the_old_topics_map_to_existing_entries(entradas):
    ids = {e.id for e in entradas}
    mapa = yaml.safe_load((ROOT / "tests" / "nlu" / "temas_anteriores.yml").read_text())
    assert len(mapa) == 25
    assert not {i for lista in mapa.values() for i in lista} - ids


def test_generator_trains_on_the_training_half_only(tmp_path, monkeypatch, entradas):
    from scripts import generar_conocimiento as gen

    reales = tmp_path / "reales.yml"
    primera = entradas[0].id
    reales.write_text(
        yaml.safe_dump(
            {
                "preguntas": [
                    {
                        "texto": "para entrenar xyz",
                        "entrada": primera,
                        "mitad": "entrenamiento",
                    },
                    {"texto": "pregunta reservada xyz", "entrada": primera, "mitad": "prueba"},
                ]
            },
            allow_unicode=True,
        )
    )
    monkeypatch.setattr(gen, "REALES", reales)
    archivos = gen.generar(HOY)
    nlu = yaml.safe_load(archivos[gen.SALIDA / "nlu.yml"])["nlu"]
    respuestas = yaml.safe_load(archivos[gen.SALIDA / "respuestas.yml"])["responses"]
    assert [b["intent"] for b in nlu] == [f"faq/{e.id}" for e in entradas]
    ejemplos = nlu[0]["examples"]
    assert "para entrenar xyz" in ejemplos and "pregunta reservada xyz" not in ejemplos
    assert set(respuestas) == {f"utter_faq/{e.id}" for e in entradas}
    assert "{" not in " ".join(r[0]["text"] for r in respuestas.values())


def test_no_way_of_asking_belongs_to_two_entries(entradas):
    """The same phrasing under two entries teaches the classifier both answers for it."""
    duenos: dict[str, set[str]] = {}
    for e in entradas:
        for p in e.preguntas:
            duenos.setdefault(clave(p), set()).add(e.id)
    assert not {p: ids for p, ids in duenos.items() if len(ids) > 1}


def test_no_held_out_real_question_is_in_any_training_file(entradas):
    """The held-out half of tests/nlu/reales.yml measures the assistant on questions it never
    saw: none of them may appear, even re-punctuated or without accents, among the ways of asking
    an entry or in Rasa's NLU files."""
    reales = yaml.safe_load((ROOT / "tests" / "nlu" / "reales.yml").read_text(encoding="utf-8"))
    reservadas = {clave(p["texto"]) for p in reales["preguntas"] if p["mitad"] == "prueba"}
    vistas = {clave(p) for e in entradas for p in e.preguntas}
    for ruta in (ROOT / "data").rglob("*.yml"):
        for linea in ruta.read_text(encoding="utf-8").splitlines():
            if linea.strip().startswith("- "):
                vistas.add(clave(linea.strip()[2:].strip("\"'")))
    assert reservadas and not reservadas & vistas, sorted(reservadas & vistas)
