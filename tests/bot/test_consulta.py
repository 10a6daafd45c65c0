"""What part of a message the classifier reads (bot.consulta)."""

import pytest

from bot.consulta import entradas_admitidas, preguntas, sin_cortesias, urgencia


@pytest.mark.parametrize(
    ("mensaje", "pregunta"),
    [
        ("Buen día, quisiera saber cuánto cuesta el seguro", "cuánto cuesta el seguro"),
        ("Hola buenas tardes, una pregunta: ¿cubre a mi esposa?", "¿cubre a mi esposa?"),
        ("holaaa oye q precio tiene", "q precio tiene"),
        ("Buenos días. Disculpe, ¿puedo afiliarme desde Texas?", "¿puedo afiliarme desde Texas?"),
        ("hello good morning how much does it cost", "how much does it cost"),
        ("Me gustaría saber qué documentos necesito", "qué documentos necesito"),
    ],
)
def test_courtesies_before_a_question_are_not_read(mensaje, pregunta):
    assert sin_cortesias(mensaje) == pregunta


@pytest.mark.parametrize(
    "mensaje",
    ["Hola", "buenas tardes", "Hola, buen día", "hola amigo", "Buenas noches, gracias"],
)
def test_a_greeting_alone_stays_a_greeting(mensaje):
    assert sin_cortesias(mensaje) == mensaje


def test_a_message_that_does_not_open_with_a_courtesy_is_untouched():
    assert sin_cortesias("holanda tiene convenio?") == "holanda tiene convenio?"
    assert sin_cortesias("¿Cuánto cuesta?") == "¿Cuánto cuesta?"


def test_two_questions_are_read_one_by_one():
    assert preguntas("¿Cuánto cuesta al mes? ¿Y puedo meter a mis papás?") == [
        "Cuánto cuesta al mes",
        "Y puedo meter a mis papás",
    ]


@pytest.mark.parametrize(
    "mensaje",
    [
        "¿Cuánto cuesta?",
        "Trabajo en Houston desde 2010 y tengo 45 años. ¿Puedo afiliarme?",
        "cuanto cuesta? gracias",
        "no tiene signos de pregunta",
    ],
)
def test_one_question_is_the_whole_message(mensaje):
    assert preguntas(mensaje) == [mensaje]


@pytest.mark.parametrize(
    ("mensaje", "entrada"),
    [
        ("ya no aguanto, me quiero morir", "urgente_crisis_suicidio"),
        ("he pensado en quitarme la vida", "urgente_crisis_suicidio"),
        ("ayuda detuvieron a mi esposo los de ICE", "urgente_detencion"),
        ("mi hijo esta detenido por migración", "urgente_detencion"),
        ("mi pareja me golpea", "urgente_violencia"),
        ("tengo una emergencia mi papá no puede respirar", "urgente_emergencia_medica"),
        ("mi hermano está desaparecido desde el viernes", "urgente_desaparecido"),
    ],
)
def test_urgent_messages_are_recognised_by_their_words(mensaje, entrada):
    assert urgencia(mensaje) == entrada


@pytest.mark.parametrize(
    "mensaje",
    [
        "¿el IMSS cubre emergencias?",
        "si me enfermo en méxico me atienden de urgencia?",
        "¿qué pasa con mi pensión si muero?",
        "cuanto cuesta el seguro",
        "me detuvieron el pago de la pensión",
    ],
)
def test_questions_about_emergencies_are_not_emergencies(mensaje):
    assert urgencia(mensaje) is None


@pytest.mark.parametrize(
    "mensaje",
    [
        "¿Cómo cobrar mi jubilación del IMSS?",
        "pension del imms",
        "Instituto Mexicano del Seguro Social",
    ],
)
def test_a_message_that_names_the_imss_in_any_spelling_rules_out_the_us_pointers(mensaje):
    admite = entradas_admitidas(mensaje)
    assert not admite("fuera_social_security")
    assert admite("pension_cobrar_en_eeuu")


@pytest.mark.parametrize("mensaje", ["¿Cómo cobro el Seguro Social de EE. UU.?", "social security"])
def test_us_social_security_alone_admits_its_pointer(mensaje):
    assert entradas_admitidas(mensaje)("fuera_social_security")


@pytest.mark.parametrize(
    ("mensaje", "dentro", "fuera"),
    [
        (
            "¿Puedo entrar a la Modalidad 40 a cualquier edad?",
            "otras_m40_requisitos",
            "elegibilidad_edad",
        ),
        ("is there a minimum age for modality 40", "otras_m40_costo", "elegibilidad_edad"),
        ("¿Cómo cotizo al INFONAVIT desde EE. UU.?", "otras_infonavit", "pago_desde_eeuu"),
        ("cuanto cuesta la mod 44", "otras_m44", "pago_cuanto_cuesta"),
        (
            "¿Qué cubre el Seguro de Salud para la Familia?",
            "otras_ssf_que_cubre",
            "cobertura_beneficiarios",
        ),
        ("¿Cuánto cuesta la Modalidad 33?", "otras_ssf_costo", "pago_cuanto_cuesta"),
        ("¿Cómo encontrar y consultar tu afore?", "afore_cual_es_mi_afore", "fuera_trabajo"),
        ("¿Mis papás se van a jubilar con su AFORE?", "pension_ley73_vs_ley97", "cobertura_padres"),
    ],
)
def test_a_message_that_names_a_program_admits_only_that_programs_entries(mensaje, dentro, fuera):
    admite = entradas_admitidas(mensaje)
    assert admite(dentro)
    assert not admite(fuera)


def test_a_message_that_names_two_programs_admits_the_entries_of_neither():
    admite = entradas_admitidas("¿conviene más la modalidad 40 o el infonavit?")
    assert not admite("otras_m40_costo")
    assert not admite("otras_infonavit")


def test_a_message_that_names_nothing_admits_every_entry():
    admite = entradas_admitidas("¿cuánto cuesta?")
    assert all(admite(e) for e in ("pago_cuanto_cuesta", "fuera_social_security", "otras_m44"))
