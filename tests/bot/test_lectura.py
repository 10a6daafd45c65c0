"""bot/lectura.py: short answers, registration fields, validators and formats."""

import re
from datetime import date
from decimal import Decimal

import pytest

from bot import lectura as F
from bot.validacion import ESTADOS_CURP, ErrorValidacion

# --- minusculas_sin_acentos ----------------------------------------------------------


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("  ¡Hola,   SEÑOR Ñandú! 👍 ", "hola, senor nandu"),
        ("Sí, está bien.", "si, esta bien"),
        ("¿Qué?", "que"),
        ("Pingüino", "pinguino"),
        ("a\t\nb", "a b"),
        ("", ""),
        (None, ""),
        ("👍", ""),
    ],
)
def test_minusculas_sin_acentos(texto, esperado):
    assert F.minusculas_sin_acentos(texto) == esperado


# --- si_o_no -----------------------------------------------------------------------------

SI = [
    "1",
    "si",
    "sí",
    "sii",
    "sip",
    "claro",
    "ok",
    "okay",
    "va",
    "dale",
    "correcto",
    "esta bien",
    "Está bien.",
    "de acuerdo",
    "acepto",
    "yes",
    "👍",
    "👍🏽",
    "si acepto",
    "sí, está bien",
    "SÍ!!",
    "Siiii",
    "ok gracias",
    "sí por favor",
    "/afirmar",
]
NO = [
    "2",
    "no",
    "No.",
    "noo",
    "nop",
    "nel",
    "no acepto",
    "no gracias",
    "No, gracias",
    "incorrecto",
    "esta mal",
    "está mal",
    "no, no",
    "👎",
    "/negar",
]
NI_SI_NI_NO = [
    "",
    None,
    "hola",
    "tal vez",
    "no sé",
    "si no",
    "3",
    "si me pagan 15 mil cuánto sería",
    "no entiendo si tengo que pagar",
    "claro que tengo dudas sobre el seguro",
    "no, está bien",  # ambiguous: asked again
    "👍👎",
]


@pytest.mark.parametrize("texto", SI)
def test_si(texto):
    assert F.si_o_no(texto) is True


@pytest.mark.parametrize("texto", NO)
def test_no(texto):
    assert F.si_o_no(texto) is False


@pytest.mark.parametrize("texto", NI_SI_NI_NO)
def test_ni_si_ni_no(texto):
    assert F.si_o_no(texto) is None


# --- salida_de_formulario ----------------------------------------------------------------

S = F.Salida


@pytest.mark.parametrize(
    ("texto", "salida"),
    [
        ("menú", S.MENU),
        ("MENU", S.MENU),
        ("Menú!", S.MENU),
        ("menu por favor", S.MENU),
        ("ver el menú", S.MENU),
        ("regresar al menú", S.MENU),
        ("volver al inicio", S.MENU),
        ("opciones", S.MENU),
        ("salir", S.PAUSAR),
        ("SALIR", S.PAUSAR),
        ("quiero salir", S.PAUSAR),
        ("me salgo", S.PAUSAR),
        ("ya no", S.PAUSAR),
        ("Ya no quiero", S.PAUSAR),
        ("ya no quiero seguir", S.PAUSAR),
        ("ya no quiero seguir con el registro", S.PAUSAR),
        ("mejor ya no, gracias", S.PAUSAR),
        ("mejor no", S.PAUSAR),
        ("detener", S.PAUSAR),
        ("stop", S.PAUSAR),
        ("basta", S.PAUSAR),
        ("mejor luego", S.PAUSAR),
        ("lo termino después", S.PAUSAR),
        ("empezar de nuevo", S.REINICIAR),
        ("Volver a empezar", S.REINICIAR),
        ("quiero empezar de nuevo", S.REINICIAR),
        ("empecemos otra vez", S.REINICIAR),
        ("desde cero", S.REINICIAR),
        ("reiniciar", S.REINICIAR),
        ("cancelar", S.CANCELAR),
        ("Cancela", S.CANCELAR),
        ("cancélalo", S.CANCELAR),
        ("CANCELAR!", S.CANCELAR),
        ("/cancelar", S.CANCELAR),  # the button's payload
        ("cancelar registro", S.CANCELAR),
        ("quiero cancelar mi registro", S.CANCELAR),
        ("Olvídalo", S.CANCELAR),
    ],
)
def test_salida_de_formulario(texto, salida):
    assert F.salida_de_formulario(texto) is salida


@pytest.mark.parametrize(
    "texto",
    [
        "no quiero cancelar",
        "no",
        "",
        None,
        "seguir",
        "continuar",
        "intentar de nuevo",  # retry, not restart
        "¿qué pasa si cancelo mi registro?",
        "cancelar?",
        "¿qué hay en el menú?",
        "si cancelo me cobran algo o como funciona eso",
        "ya no quiero pagar tanto de cuota cada mes la verdad",
        "cancelaron mi seguro",
        "Maria Lopez",
        "Salvador Salinas",
        "3",
    ],
)
def test_no_es_salida_de_formulario(texto):
    assert F.salida_de_formulario(texto) is None


def test_solo_menu_y_salir_pausan():
    assert {s for s in S if s.pausa} == {S.MENU, S.PAUSAR}


@pytest.mark.parametrize(
    ("texto", "numero"),
    [("3", 3), ("3.", 3), (" 3 ", 3), ("opción 3", 3), ("la 3", 3), ("la tres", 3), ("#1", 1)],
)
def test_numero_de_opcion(texto, numero):
    assert F.numero_de_opcion(texto) == numero


@pytest.mark.parametrize("texto", ["", None, "13", "11", "3 mil", "tres cosas", "uno de mis hijos"])
def test_no_es_numero_de_opcion(texto):
    assert F.numero_de_opcion(texto) is None


# --- parece_pregunta ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "texto",
    [
        "cuanto cuesta?",
        "¿Me cubre",
        "qué es la ventanilla",
        "Cuánto pago al mes",
        "como me registro",
        "donde queda el consulado",
        "cuando pago",
        "cual es la cuota",
        "por qué me piden la CURP",
        "puedo pagar con tarjeta",
        "se puede en línea",
        "tengo que ir al consulado",
        "hay ventanilla en Reno",
        "me pueden ayudar",
        "necesito saber algo",
        "what is this",
        "How much",
        "where is it",
    ],
)
def test_parece_pregunta(texto):
    assert F.parece_pregunta(texto) is True


@pytest.mark.parametrize(
    "texto",
    ["Maria Lopez", "carpintero", "Dallas, TX", "15 mil", "Quesadillas", "Comonfort", "", None],
)
def test_no_parece_pregunta(texto):
    assert F.parece_pregunta(texto) is False


# --- campos ------------------------------------------------------------------------------


def test_campos_y_orden():
    assert F.CAMPOS == {
        "curp": "CURP",
        "nombre": "nombre",
        "email": "correo",
        "telefono": "teléfono",
        "ciudad": "ciudad",
        "pais": "país",
        "ocupacion": "ocupación",
        "ingreso_mensual": "ingreso",
        "nss": "NSS",
        "domicilio_estado": "domicilio en México",
        "domicilio_municipio": "municipio o alcaldía",
        "domicilio_cp": "código postal",
        "domicilio_colonia": "colonia",
        "recordatorios": "recordatorio de pago",
    }
    # The address is picked as a whole (its first answer); its parts are corrected by name.
    partes = {"pais", "domicilio_municipio", "domicilio_cp", "domicilio_colonia"}
    assert set(F.ORDEN_CAMPOS) == set(F.CAMPOS) - partes
    assert F.ORDEN_CAMPOS[0] == "curp" and F.ORDEN_CAMPOS[6] == "ingreso_mensual"
    assert F.ORDEN_CAMPOS[7:] == ("nss", "domicilio_estado", "recordatorios")


@pytest.mark.parametrize(
    ("texto", "slot"),
    [
        ("mi correo", "email"),
        ("el mail", "email"),
        ("email", "email"),
        ("E-mail", "email"),
        ("correo electrónico", "email"),
        ("teléfono", "telefono"),
        ("el cel", "telefono"),
        ("celular", "telefono"),
        ("mi número", "telefono"),
        ("WhatsApp", "telefono"),
        ("mi whats", "telefono"),
        ("nombre", "nombre"),
        ("el apellido", "nombre"),
        ("la CURP", "curp"),
        ("mi número de CURP", "curp"),  # "número" is weak
        ("ciudad", "ciudad"),
        ("donde vivo", "ciudad"),
        ("país", "pais"),
        ("ocupación", "ocupacion"),
        ("trabajo", "ocupacion"),
        ("oficio", "ocupacion"),
        ("a qué me dedico", "ocupacion"),
        ("ingreso", "ingreso_mensual"),
        ("sueldo", "ingreso_mensual"),
        ("salario", "ingreso_mensual"),
        ("lo que gano", "ingreso_mensual"),
        ("gano", "ingreso_mensual"),
        ("el correo y el nombre", "email"),  # the first one wins
        ("corrreo", "email"),  # misspellings (rapidfuzz)
        ("telefno", "telefono"),
        ("cuidad", "ciudad"),
        ("1", "curp"),
        ("2", "nombre"),
        ("3", "email"),
        ("4", "telefono"),
        ("5", "ciudad"),
        ("6", "ocupacion"),
        ("7", "ingreso_mensual"),
        ("el 4", "telefono"),
        ("opción 6.", "ocupacion"),
    ],
)
def test_campo_mencionado(texto, slot):
    assert F.campo_mencionado(texto) == slot


@pytest.mark.parametrize(
    "texto", ["", None, "hola", "0", "11", "12", "soy hombre", "está bien", "Maria Lopez"]
)
def test_campo_no_mencionado(texto):
    assert F.campo_mencionado(texto) is None


@pytest.mark.parametrize(
    ("texto", "slot"),
    [
        ("me equivoqué en el correo", "email"),
        ("quiero cambiar mi nombre", "nombre"),
        ("corregir teléfono", "telefono"),
        ("el correo está mal", "email"),
        ("puse mal mi ingreso", "ingreso_mensual"),
        ("escribí mal la CURP", "curp"),
        ("cambiar ciudad", "ciudad"),
        ("el país es incorrecto", "pais"),
        ("quiero corregir el 3", "email"),
        ("corregir 7", "ingreso_mensual"),
        ("Me equivoque en el telefno", "telefono"),
    ],
)
def test_pide_correccion(texto, slot):
    assert F.pide_correccion(texto) == slot


@pytest.mark.parametrize(
    "texto",
    [
        "",
        None,
        "me equivoqué",  # no field
        "corregir",
        "mi correo es maria@gmail.com",  # a field without correction words
        "el correo no está mal",
        "no quiero cambiar nada",
        "no me equivoqué en el nombre",
        "sí, todo bien",
    ],
)
def test_no_pide_correccion(texto):
    assert F.pide_correccion(texto) is None


# --- correccion_pedida: an answer to the question asked is never a correction ---------------

C = F.Correccion


@pytest.mark.parametrize(
    "texto",
    [
        "me equivoqué en el correo",
        "quiero corregir mi nombre",
        "corregir teléfono",
        "el correo está mal",
        "puse mal mi ingreso",
        "corregir 3",
        "Me equivoque en el telefno",
    ],
)
@pytest.mark.parametrize("es_respuesta", [True, False])
def test_una_peticion_explicita_corrige_sea_cual_sea_la_pregunta(texto, es_respuesta):
    """Nothing but correction words and a field: a correction, even where free text fits."""
    pedida = F.correccion_pedida(texto, es_respuesta=es_respuesta)
    assert pedida == C(F.pide_correccion(texto)) and pedida.campo is not None


@pytest.mark.parametrize(
    "texto",
    [
        "Mi nombre es Juan Pérez",  # the loop: the model read "corregir" in it
        "Juan Nombre Pérez",
        "mi correo es juan.error@gmail.com",
        "mi trabajo es corregir textos",
        "corrijo estilo de libros",
        "gano 15 mil, a veces cambia",
        "está mal",  # "no" to a yes/no question
        "incorrecto",
    ],
)
@pytest.mark.parametrize("eligiendo", [True, False])
def test_una_respuesta_valida_nunca_es_correccion(texto, eligiendo):
    assert (
        F.correccion_pedida(texto, es_respuesta=True, eligiendo=eligiendo, segun_modelo=True)
        is None
    )


@pytest.mark.parametrize("texto", ["me equivoqué", "corregir", "/corregir", "quiero corregir algo"])
def test_sin_decir_cual_se_pregunta_cual(texto):
    assert F.correccion_pedida(texto, es_respuesta=False) == C(None)


def test_el_modelo_solo_cuenta_si_no_es_una_respuesta():
    texto = "lo del correo no es así"
    assert F.correccion_pedida(texto, es_respuesta=False) is None
    assert F.correccion_pedida(texto, es_respuesta=False, segun_modelo=True) == C(None)
    assert F.correccion_pedida(texto, es_respuesta=True, segun_modelo=True) is None


def test_una_respuesta_invalida_con_campo_y_senal_corrige_ese_campo():
    texto = "me equivoqué en el correo, es juan@gmail.com"
    assert F.correccion_pedida(texto, es_respuesta=False) == C("email")
    assert F.correccion_pedida(texto, es_respuesta=True) is None


@pytest.mark.parametrize(
    ("texto", "slot"),
    [("3", "email"), ("el correo", "email"), ("mi telefno", "telefono"), ("2.", "nombre")],
)
def test_tras_preguntar_cual_basta_elegirlo(texto, slot):
    assert F.campo_elegido(texto) == slot
    assert F.correccion_pedida(texto, es_respuesta=True, eligiendo=True) == C(slot)
    assert F.correccion_pedida(texto, es_respuesta=True) is None  # not asked: an answer


@pytest.mark.parametrize(
    "texto", ["Juan Nombre Pérez", "mi correo es ana@gmail.com", "todo bien con mi nombre", "11"]
)
def test_nombrar_un_campo_no_es_elegirlo(texto):
    assert F.campo_elegido(texto) is None


# --- validar_nombre ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("maria lopez", "Maria Lopez"),
        ("MARIA DE LA LUZ HERNANDEZ", "Maria de la Luz Hernandez"),
        ("  María   Guadalupe López  ", "María Guadalupe López"),
        ("María de la Luz McDonald", "María de la Luz McDonald"),  # mixed case: kept
        ("o'brien smith", "O'Brien Smith"),
        ("josé-luis garcía", "José-Luis García"),
        ("juan pérez y núñez", "Juan Pérez y Núñez"),
        ("la rosa de león", "La Rosa de León"),
        ("Anaïs Müller", "Anaïs Müller"),
        ("J. Jesús Peña", "J. Jesús Peña"),
        ("me llamo juan perez", "Juan Perez"),
        ("Mi nombre es Ana Ruiz", "Ana Ruiz"),
    ],
)
def test_validar_nombre(texto, esperado):
    assert F.validar_nombre(texto) == esperado


@pytest.mark.parametrize(
    ("texto", "motivo"),
    [
        ("", "Escribe tu nombre completo"),
        (None, "Escribe tu nombre completo"),
        ("me llamo", "Escribe tu nombre completo"),
        ("cómo me registro", "pregunta"),
        ("¿Maria Lopez?", "pregunta"),
        ("Maria Lopez 2", "números"),
        ("Maria_Lopez Perez", "solo puede llevar letras"),
        ("Maria @Lopez", "solo puede llevar letras"),
        ("Мария Лопес", "solo puede llevar letras"),
        ("Maria", "al menos un apellido"),
        ("Maria -", "al menos un apellido"),
        ("A B", "entre 5 y 120"),
        ("Maria " + "Lopez" * 30, "entre 5 y 120"),
    ],
)
def test_validar_nombre_errores(texto, motivo):
    with pytest.raises(ErrorValidacion) as e:
        F.validar_nombre(texto)
    assert motivo in str(e.value)
    assert "María Guadalupe López Hernández" in str(e.value)
    assert e.value.campo == "nombre"


# --- validar_ocupacion -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("carpintero", "Carpintero"),
        ("  limpieza de casas. ", "Limpieza de casas"),
        ("chofer de Uber", "Chofer de Uber"),
        ("soy carpintero", "Carpintero"),
        ("Soy una enfermera", "Enfermera"),
        ("trabajo en la construcción", "La construcción"),
        ("me dedico a la limpieza", "La limpieza"),
        ("TI", "TI"),
        ("ayudante de 2do turno", "Ayudante de 2do turno"),
    ],
)
def test_validar_ocupacion(texto, esperado):
    assert F.validar_ocupacion(texto) == esperado


@pytest.mark.parametrize(
    ("texto", "motivo"),
    [
        ("", "Escribe a qué te dedicas"),
        (None, "Escribe a qué te dedicas"),
        ("soy", "Escribe a qué te dedicas"),
        ("12345", "no solo números"),
        ("$500", "no solo números"),
        ("x", "2 a 80"),
        ("carpintero " * 10, "2 a 80"),
        ("¿qué pongo aquí?", "No entendí"),
        ("sí", "No entendí"),
        ("ok", "No entendí"),
    ],
)
def test_validar_ocupacion_errores(texto, motivo):
    with pytest.raises(ErrorValidacion) as e:
        F.validar_ocupacion(texto)
    assert motivo in str(e.value)
    assert "carpintero, limpieza de casas, chofer" in str(e.value)
    assert e.value.campo == "ocupacion"


# --- residencia --------------------------------------------------------------------------

EU = "Estados Unidos"


@pytest.mark.parametrize(
    ("texto", "ciudad", "pais"),
    [
        ("Dallas, Texas", "Dallas, TX", EU),
        ("Dallas TX", "Dallas, TX", EU),
        ("Estoy en Houston Tx", "Houston, TX", EU),
        ("vivo en dallas", "Dallas, TX", EU),
        ("en Dallas", "Dallas, TX", EU),
        ("Enfield", "Enfield, CT", EU),  # "en" is a prefix only as a word of its own
        ("Chicaco", "Chicago, IL", EU),  # misspelling
        ("60614", "Chicago, IL", EU),  # ZIP code
        ("New York, NY 10001", "New York, NY", EU),
        ("vivo en nueva york", "New York City, NY", EU),
        ("Dallas, TX, USA", "Dallas, TX", EU),
        ("vivo en Dallas, Texas, Estados Unidos", "Dallas, TX", EU),
        ("Albuquerque, Nuevo México", "Albuquerque, NM", EU),  # not Mexico
        ("Atlanta, Georgia", "Atlanta, GA", EU),  # the state, not the country
        ("Smallville, TX", "Smallville, TX", EU),  # small town with its state
        ("Smallville, USA", "Smallville", EU),
        ("Texas", None, EU),
        ("Nuevo Mexico", None, EU),
        ("vivo en Toronto, Canadá", "Toronto", "Canadá"),
        ("Toronto canada", "Toronto", "Canadá"),
        ("Madrid España", "Madrid", "España"),
        ("Guadalajara, Jalisco, México", "Guadalajara, Jalisco", "México"),
        ("SAN PEDRO SULA, HONDURAS", "San Pedro Sula", "Honduras"),
        ("Londres, Inglaterra", "Londres", "Reino Unido"),
        ("Paris, France", "Paris", "Francia"),
        ("Canadá", None, "Canadá"),
        ("canada", None, "Canadá"),
        ("méxico", None, "México"),
        ("Saudi Arabia", None, "Arabia Saudita"),
        ("Estados Unidos", None, EU),
        ("USA", None, EU),
        ("EE. UU.", None, EU),
        ("EEUU", None, EU),
        ("EUA", None, EU),
        ("United States", None, EU),
        ("Zacatlán", "Zacatlán", None),
        ("zacatlan", "Zacatlan", None),
        ("Toronto", "Toronto", None),
        ("tijuana", "Tijuana", None),
        ("san jose del cabo", "San Jose del Cabo", None),
    ],
)
def test_residencia(texto, ciudad, pais):
    assert F.residencia(texto) == F.Residencia(ciudad, pais)


@pytest.mark.parametrize(
    ("texto", "motivo"),
    [
        ("", "Escribe la ciudad y el país"),
        (None, "Escribe la ciudad y el país"),
        ("¿?", "Escribe la ciudad y el país"),
        ("vivo en", "Escribe la ciudad y el país"),
        ("Estoy en ", "Escribe la ciudad y el país"),
        ("¿dónde hay una ventanilla?", "Escribe solo la ciudad"),
        ("cerca " * 30, "Escribe solo la ciudad"),
        ("123", "No reconocí ese lugar"),
        ("123, México", "No reconocí ese lugar"),
    ],
)
def test_residencia_errores(texto, motivo):
    with pytest.raises(ErrorValidacion) as e:
        F.residencia(texto)
    assert motivo in str(e.value)
    assert "Toronto, Canadá" in str(e.value)
    assert e.value.campo == "ciudad"


def test_residencia_es_inmutable():
    r = F.residencia("Canadá")
    with pytest.raises(AttributeError):
        r.pais = "México"  # type: ignore[misc]


# --- formatos ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "esperado"),
    [
        (date(1985, 1, 5), "5 de enero de 1985"),
        (date(2000, 12, 31), "31 de diciembre de 2000"),
        (date(1999, 9, 10), "10 de septiembre de 1999"),
    ],
)
def test_fecha_larga(d, esperado):
    assert F.fecha_larga(d) == esperado


@pytest.mark.parametrize(
    ("monto", "moneda", "esperado"),
    [
        (Decimal("2255.26"), "MXN", "$2,255.26 MXN"),
        (Decimal("2000"), "USD", "$2,000.00 USD"),
        (Decimal("2255.255"), "MXN", "$2,255.26 MXN"),  # redondeo comercial
        (Decimal("0"), "MXN", "$0.00 MXN"),
        (Decimal("1234567.8"), "mxn", "$1,234,567.80 MXN"),
        (Decimal("-3.5"), "USD", "-$3.50 USD"),
    ],
)
def test_dinero(monto, moneda, esperado):
    assert F.dinero(monto, moneda) == esperado


def test_clave_idempotencia():
    clave = F.clave_idempotencia("GOMC850312HJCRRR00", "registro")
    assert re.fullmatch(r"[0-9a-f]{64}", clave)
    assert clave == F.clave_idempotencia("GOMC850312HJCRRR00", "registro")  # estable
    assert clave != F.clave_idempotencia("registro", "GOMC850312HJCRRR00")
    assert F.clave_idempotencia("a|b") != F.clave_idempotencia("a", "b")
    assert F.clave_idempotencia("a", "b|c") != F.clave_idempotencia("a|b", "c")
    assert F.clave_idempotencia("ab", "") != F.clave_idempotencia("a", "b")
    assert F.clave_idempotencia() != F.clave_idempotencia("")
    # Pins the algorithm: changing it would duplicate registrations already sent.
    assert F.clave_idempotencia("a", "b") == (
        "0473ef2dc0d324ab659d3580c1134e9d812035905c4781fdd6d529b0c6860e13"
    )


def test_sexo():
    assert F.SEXO == {"H": "hombre", "M": "mujer", "X": "no binario"}


@pytest.mark.parametrize(
    ("clave", "nombre"),
    [
        ("JC", "Jalisco"),
        ("jc", "Jalisco"),
        (" DF ", "Ciudad de México"),
        ("NE", "Nacido en el extranjero"),
        ("ZZ", "ZZ"),  # unknown: returned as is
    ],
)
def test_nombre_estado(clave, nombre):
    assert F.nombre_estado(clave) == nombre


def test_nombre_estado_cubre_todas_las_claves_de_curp():
    assert all(F.nombre_estado(c) == n for c, n in ESTADOS_CURP.items())


# --- NSS and the Mexican address -----------------------------------------------------------


@pytest.mark.parametrize("texto", ["NO LO TENGO", "no lo tengo", "no tengo", "no", "No sé"])
def test_sin_nss_es_una_respuesta(texto):
    assert F.leer_nss(texto) is False


def test_nss_valido_o_error_con_ejemplo():
    assert F.leer_nss("1234567890-3") == "12345678903"
    with pytest.raises(ErrorValidacion, match="11 dígitos"):
        F.leer_nss("1234")
    with pytest.raises(ErrorValidacion, match="verificador"):
        F.leer_nss("12345678901")


@pytest.mark.parametrize(
    ("texto", "estado"),
    [
        ("jalisco", "Jalisco"),
        ("CDMX", "Ciudad de México"),
        ("Edomex", "Estado de México"),
        ("michoacan", "Michoacán"),
        ("Guanajuat", "Guanajuato"),
        ("en Zacatecas", "Zacatecas"),
    ],
)
def test_estado_de_mexico(texto, estado):
    assert F.validar_estado_mx(texto) == estado


@pytest.mark.parametrize("texto", ["Texas", "", "Nacido en el extranjero", "123"])
def test_estado_que_no_es_de_mexico(texto):
    with pytest.raises(ErrorValidacion, match="Ej"):
        F.validar_estado_mx(texto)


def test_municipio_o_colonia_en_texto_libre():
    assert F.validar_lugar_mx("zapopan", "domicilio_municipio", "tu municipio", "Ej.") == "Zapopan"
    for malo in ["", "¿cuál?", "si", "12345", "x"]:
        with pytest.raises(ErrorValidacion):
            F.validar_lugar_mx(malo, "domicilio_colonia", "tu colonia", "Ej.")


@pytest.mark.parametrize(
    ("texto", "campo"),
    [
        ("quiero corregir el código postal", "domicilio_cp"),
        ("me equivoqué en el NSS", "nss"),
        ("corregir mi numero de seguro social", "nss"),
        ("me equivoque en la colonia", "domicilio_colonia"),
        ("quiero cambiar el municipio", "domicilio_municipio"),
    ],
)
def test_correcciones_del_nss_y_el_domicilio(texto, campo):
    assert F.pide_correccion(texto) == campo
