"""Pure functions for the Rasa forms: understanding short answers, and formatting.

No Rasa, no network. The validators return the clean value or raise
:class:`bot.validacion.ValidationError` with a message in Spanish (addressing the person as tú)
that includes an example.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from rapidfuzz import fuzz, process

from bot import ventanillas
from bot.texto import sin_acentos
from bot.validacion import ESTADOS_CURP, ErrorValidacion, validar_nss

__all__ = [
    "CAMPOS",
    "ORDEN_CAMPOS",
    "SEXO",
    "Correccion",
    "Residencia",
    "Salida",
    "campo_elegido",
    "campo_mencionado",
    "clave_idempotencia",
    "correccion_pedida",
    "dinero",
    "fecha_larga",
    "minusculas_sin_acentos",
    "nombre_estado",
    "numero_de_opcion",
    "parece_pregunta",
    "pide_correccion",
    "residencia",
    "salida_de_formulario",
    "si_o_no",
    "validar_nombre",
    "validar_ocupacion",
    "leer_nss",
    "validar_estado_mx",
    "validar_lugar_mx",
]

LOCALE = "es_MX"
ESTADOS_UNIDOS = "Estados Unidos"

# --- text --------------------------------------------------------------------------------

_ORILLAS = re.compile(r"^[\W_]+|[\W_]+$")


def minusculas_sin_acentos(texto: str | None) -> str:
    """Lowercase, no accents (ñ -> n), single spaces, no punctuation or emoji at the edges."""
    return _ORILLAS.sub("", " ".join(sin_acentos(str(texto or "")).lower().split()))


def _clave(texto: str | None) -> str:
    """Like `minusculas_sin_acentos`, but with no punctuation: only letters, digits and spaces."""
    return " ".join(re.sub(r"[\W_]+", " ", minusculas_sin_acentos(texto)).split())


# --- yes / no ----------------------------------------------------------------------------

_SI = frozenset(
    "1|si|sip|sipi|claro|claro que si|por supuesto|ok|okay|oki|okey|va|sale|dale|orale|simon"
    "|correcto|es correcto|esta bien|todo bien|de acuerdo|acepto|afirmativo|asi es|yes|yep"
    "|yeah|sure|afirmar".split("|")
)
_NO = frozenset(
    "2|no|nop|nope|nel|nel pastel|no acepto|incorrecto|es incorrecto|no es correcto|esta mal"
    "|no esta bien|negativo|para nada|claro que no|nah|negar".split("|")
)
_CORTESIA = re.compile(r"\s+(?:gracias|muchas gracias|por favor|porfa)$")
_EMOJI_SI = frozenset("👍👌✅✔")
_EMOJI_NO = frozenset("👎❌✖")


def si_o_no(texto: str | None) -> bool | None:
    """True if the answer is yes, False if it is no, None if it is unclear."""
    crudo = str(texto or "").strip()
    if crudo.startswith("/afirmar"):
        return True
    if crudo.startswith("/negar"):
        return False
    simbolos = {c for c in crudo if not unicodedata.category(c).startswith(("M", "Sk", "Z"))}
    if simbolos and simbolos <= _EMOJI_SI:
        return True
    if simbolos and simbolos <= _EMOJI_NO:
        return False
    no_pero = re.match(r"^no\s*[,.]\s*(.+)", minusculas_sin_acentos(crudo))
    if no_pero and si_o_no(no_pero.group(1)):
        return None  # "No, está bien": no, or fine? Better to ask again
    clave = _CORTESIA.sub("", _clave(crudo))
    clave = re.sub(r"^s+i+p*$", "si", re.sub(r"^n+o+p*$", "no", clave))
    primera, _, resto = clave.partition(" ")
    resto = re.sub(r"^s+i+$", "si", resto)
    if clave in _SI or (primera in {"si", "ok", "claro"} and resto in _SI):
        return True
    if clave in _NO or (primera == "no" and resto in _NO | {"gracias"}):
        return False
    return None


# --- leaving a form ----------------------------------------------------------------------


class Salida(Enum):
    """What a message inside a form asks of the form itself."""

    MENU = "menu"  # pause, keeping the answers, and show the menu
    PAUSAR = "pausar"  # pause, keeping the answers for "continuar"
    REINICIAR = "reiniciar"  # forget this form's answers and ask again from the first question
    CANCELAR = "cancelar"  # end the form and forget its answers

    @property
    def pausa(self) -> bool:
        return self in (Salida.MENU, Salida.PAUSAR)


# Words around the command that change nothing: "pues mejor ya no, gracias".
_ANTES_DE_SALIR = (
    r"^(?:(?:pues|bueno|oye|ok|okay|ah|ay|uy|mejor|ya|por favor|porfa|quiero|deseo|me quiero"
    r"|quisiera|queria|hay que|vamos a|vamos|mejor ya)\s+)*"
)
_DESPUES_DE_SALIR = (
    r"(?:\s+(?:el|mi|la|este|esta|esto|eso|todo|registro|prerregistro|tramite|formulario"
    r"|proceso|cotizacion|consulta|del|de|con|aqui|seguir|continuar|ya|mejor|ahorita|por ahora"
    r"|por hoy|por el momento|por favor|porfa|pls|please|gracias|muchas gracias))*$"
)
_SALIDAS: tuple[tuple[Salida, str], ...] = (
    (
        Salida.REINICIAR,
        r"(?:empezar|empezamos|empecemos|empieza|comenzar|comenzamos|comencemos|iniciar|inicia)"
        r"\s+(?:de nuevo|otra vez|de cero|desde cero|desde el principio|desde el inicio)"
        r"|volver a (?:empezar|comenzar|iniciar)|vuelve a empezar|volvamos a empezar"
        r"|(?:de nuevo |otra vez )?desde (?:cero|el principio)|reiniciar|reinicia|reinicio"
        r"|start over|restart",
    ),
    (
        Salida.CANCELAR,
        r"cancelar|cancela|cancelalo|cancelala|cancelarlo|cancelarla|cancelo|cancel"
        r"|olvidalo|olvidala|olvida|olvidate",
    ),
    (
        Salida.MENU,
        r"(?:(?:ver|ir|regresar|volver|regresame|llevame)\s+(?:a |al )?)?"
        r"(?:el )?menu(?: principal)?"
        r"|(?:ir|regresar|volver)\s+al inicio|inicio|(?:ver )?(?:las )?opciones",
    ),
    (
        Salida.PAUSAR,
        r"salir|salirme|me salgo|salgamos|detener|detenlo|detente|parar|pausa|pausar|stop|basta"
        r"|exit|quit|terminar|ya no quiero|ya no|mejor no|no quiero seguir|no quiero continuar"
        r"|(?:(?:lo )?(?:sigo|termino|hago|continuo) )?(?:luego|despues|mas tarde|al rato)"
        r"(?: lo (?:sigo|termino|hago|continuo))?",
    ),
)
_PATRONES_SALIDA = tuple(
    (salida, re.compile(_ANTES_DE_SALIR + f"(?:{patron})" + _DESPUES_DE_SALIR))
    for salida, patron in _SALIDAS
)
_MAX_PALABRAS_SALIDA = 8


def salida_de_formulario(texto: str | None) -> Salida | None:
    """The way out a short message asks for inside a form ("menú", "ya no", "empezar de nuevo").

    Only whole short messages count, and never a question: "¿qué pasa si cancelo?" is a question
    and "Salvador Salinas" a name. Accents, case and punctuation do not matter ("MENÚ!").
    """
    crudo = str(texto or "")
    clave = _clave(crudo)
    if not clave or "?" in crudo or "¿" in crudo or len(clave.split()) > _MAX_PALABRAS_SALIDA:
        return None
    for salida, patron in _PATRONES_SALIDA:
        if patron.match(clave):
            return salida
    return None


_NUMEROS = {
    "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10,
}  # fmt: skip
_OPCION = re.compile(
    r"^(?:(?:la|el|opcion|numero|campo|dato|la opcion|el numero|el dato)\s+)?"
    rf"(10|\d|{'|'.join(_NUMEROS)})$"
)


def numero_de_opcion(texto: str | None) -> int | None:
    """The number of a numbered option: "3", "3.", "opción 3", "la tres" -> 3; else None."""
    m = _OPCION.match(_clave(texto))
    if not m:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else _NUMEROS[m.group(1)]


# --- questions ---------------------------------------------------------------------------

_INTERROGATIVAS = re.compile(
    r"^(?:que|cuanto|cuanta|cuantos|cuantas|como|donde|adonde|cuando|cual|cuales|quien|quienes"
    r"|por que|para que|puedo|podria|se puede|tengo que|debo|hay|me pueden|me puede|me puedes"
    r"|necesito saber|quiero saber|what|how|where|when|why|who|can i|do i|is there)\b"
)


def parece_pregunta(texto: str | None) -> bool:
    """True if the message has ¿ or ?, or starts with a question or request word."""
    crudo = str(texto or "")
    return "?" in crudo or "¿" in crudo or bool(_INTERROGATIVAS.match(_clave(crudo)))


# --- registration fields -----------------------------------------------------------------

#: Slot -> label for the registration's summary and corrections.
CAMPOS: dict[str, str] = {
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

#: Order of the summary's numbered fields ("1" = curp ... "10" = recordatorios).
ORDEN_CAMPOS: tuple[str, ...] = (
    "curp",
    "nombre",
    "email",
    "telefono",
    "ciudad",
    "ocupacion",
    "ingreso_mensual",
    "nss",
    "domicilio_estado",  # the whole Mexican address (its other answers depend on it)
    "recordatorios",
)

# Clear synonyms (normalised phrases) -> slot.
_SINONIMOS: dict[str, str] = {
    **dict.fromkeys(
        ["correo", "correo electronico", "mail", "email", "e mail", "gmail", "hotmail"], "email"
    ),
    **dict.fromkeys(
        ["telefono", "tel", "cel", "celular", "whatsapp", "whats", "wasap", "guasap"], "telefono"
    ),
    **dict.fromkeys(["nombre", "apellido", "apellidos", "como me llamo"], "nombre"),
    "curp": "curp",
    **dict.fromkeys(["ciudad", "cuidad", "donde vivo", "domicilio", "direccion"], "ciudad"),
    "pais": "pais",
    **dict.fromkeys(["ocupacion", "oficio", "a que me dedico", "profesion"], "ocupacion"),
    **dict.fromkeys(
        ["ingreso", "ingresos", "sueldo", "salario", "lo que gano", "cuanto gano"],
        "ingreso_mensual",
    ),
    **dict.fromkeys(
        ["nss", "numero de seguro social", "numero de seguridad social", "seguro social"], "nss"
    ),
    **dict.fromkeys(["codigo postal", "cp", "c p", "zip"], "domicilio_cp"),
    **dict.fromkeys(["municipio", "alcaldia", "delegacion"], "domicilio_municipio"),
    "colonia": "domicilio_colonia",
    **dict.fromkeys(
        ["domicilio en mexico", "direccion en mexico", "estado de mexico donde"], "domicilio_estado"
    ),
    **dict.fromkeys(["recordatorio", "recordatorios"], "recordatorios"),
}
# Ambiguous synonyms: they count only without a clear one ("mi número de CURP" is the CURP).
_SINONIMOS_DEBILES: dict[str, str] = {
    "numero": "telefono",
    "trabajo": "ocupacion",
    "gano": "ingreso_mensual",
}
_UMBRAL_DIFUSO = 85  # rapidfuzz.fuzz.ratio
_LONGITUD_DIFUSA = 6  # shorter words count only when exact ("hombre" is not "nombre")


def _buscar_frases(clave: str, sinonimos: dict[str, str]) -> list[tuple[int, str]]:
    encontrados = []
    for frase, slot in sinonimos.items():
        m = re.search(rf"\b{re.escape(frase)}\b", clave)
        if m:
            encontrados.append((m.start(), slot))
    return encontrados


def _buscar_difuso(clave: str) -> list[tuple[int, str]]:
    candidatos = [f for f in _SINONIMOS if " " not in f and len(f) >= _LONGITUD_DIFUSA]
    encontrados = []
    for m in re.finditer(r"\w+", clave):
        if len(m.group()) < _LONGITUD_DIFUSA:
            continue
        mejor = process.extractOne(
            m.group(), candidatos, scorer=fuzz.ratio, score_cutoff=_UMBRAL_DIFUSO
        )
        if mejor:
            encontrados.append((m.start(), _SINONIMOS[mejor[0]]))
    return encontrados


def campo_mencionado(texto: str | None) -> str | None:
    """The registration slot the message refers to ("mi correo" -> "email"; "3" -> "email").

    If several are named, the first wins. Tolerates misspellings like "corrreo" or "telefno".
    """
    clave = _clave(texto)
    numero = numero_de_opcion(clave)
    if numero and numero <= len(ORDEN_CAMPOS):
        return ORDEN_CAMPOS[numero - 1]
    for buscar in (
        lambda c: _buscar_frases(c, _SINONIMOS),
        _buscar_difuso,
        lambda c: _buscar_frases(c, _SINONIMOS_DEBILES),
    ):
        encontrados = buscar(clave)
        if encontrados:
            return min(encontrados)[1]
    return None


_CORRECCION = re.compile(
    r"\b(?:me equivoque|me confundi|equivoque|equivocado|equivocada|corregir|corrige|corrijo"
    r"|correccion|cambiar|cambia|cambialo|modificar|modifica|editar|arreglar|actualizar"
    r"|esta mal|estan mal|puse mal|escribi mal|anote mal|mal escrito|no es correcto"
    r"|es incorrecto|incorrecto|esta equivocado|error)\b"
)
_NEGACION_PREVIA = re.compile(r"\b(?:no|nada)\s+(?:\w+\s+)?$")


def _senal_de_correccion(clave: str) -> re.Match[str] | None:
    """The first correction word ("me equivoqué", "corregir", "está mal"), unless negated."""
    m = _CORRECCION.search(clave)
    if not m or _NEGACION_PREVIA.search(clave[: m.start()]):
        return None
    return m


def pide_correccion(texto: str | None) -> str | None:
    """The slot the message asks to correct ("me equivoqué en el correo" -> "email"), or None."""
    clave = _clave(texto)
    m = _senal_de_correccion(clave)
    if not m:
        return None
    resto = (clave[: m.start()] + " " + clave[m.end() :]).strip()
    resto = re.sub(r"^(?:quiero|puedo|hay que|me gustaria)\s+", "", resto)
    return campo_mencionado(clave) or campo_mencionado(resto)


# Words that say nothing about which answer or what is wrong ("quiero corregir mi dato").
_RELLENO_CORRECCION = frozenset(
    "a al de del el en la las lo los le me mi mis tu un una unos unas algo dato datos ese esa eso"
    " este esta esto es son que quiero quisiera queria puedo podemos podria necesito hay hacer"
    " otra otro vez por favor porfa perdon perdona disculpa oye ups oops ay uy ya tantito tambien"
    " solo nomas pues bueno creo sorry".split()
)
# Field phrases, longest first, so "correo electronico" goes before "correo".
_FRASES_CAMPO = sorted({*_SINONIMOS, *_SINONIMOS_DEBILES}, key=len, reverse=True)


def _palabras_ajenas(clave: str) -> list[str]:
    """The words of `clave` that are not correction words, field names or filler.

    "me equivoque en el correo" has none; "mi correo es juan error gmail com" has four.
    """
    resto = _CORRECCION.sub(" ", clave)
    for frase in _FRASES_CAMPO:
        resto = re.sub(rf"\b{re.escape(frase)}\b", " ", resto)
    ajenas = []
    for palabra in resto.split():
        if palabra in _RELLENO_CORRECCION or numero_de_opcion(palabra) in range(
            1, len(ORDEN_CAMPOS) + 1
        ):
            continue
        if _buscar_difuso(palabra):  # a misspelt field: "telefno"
            continue
        ajenas.append(palabra)
    return ajenas


def campo_elegido(texto: str | None) -> str | None:
    """The answer picked from "¿Qué dato quieres corregir?": "3", "el correo", "mi telefno".

    Only a bare choice: "Juan Nombre Pérez" names a field but is an answer, not a choice.
    """
    clave = _clave(texto)
    campo = campo_mencionado(clave)
    return campo if campo and not _palabras_ajenas(clave) else None


@dataclass(frozen=True)
class Correccion:
    """A request to correct an earlier answer; `campo` is None when the person did not say which."""

    campo: str | None


def correccion_pedida(
    texto: str | None, *, es_respuesta: bool, eligiendo: bool = False, segun_modelo: bool = False
) -> Correccion | None:
    """Whether a message inside the registration form asks to correct an earlier answer.

    `es_respuesta`: the question being asked accepts the text as its answer. `eligiendo`: that
    question is "¿Qué dato quieres corregir?". `segun_modelo`: the NLU model read `corregir`.

    An answer is an answer: "Mi nombre es Juan Nombre" while the name is asked, or "gano 15 mil,
    a veces cambia" while the income is, is never a correction (that used to loop between the
    question and "¿Qué dato quieres corregir?"). Only a message made of nothing but correction
    words and a field ("me equivoqué en el correo", "corregir 3") corrects whatever is asked,
    and "está mal" to a yes/no question is the answer "no".
    """
    clave = _clave(texto)
    if eligiendo:
        campo = campo_elegido(clave)
        if campo:
            return Correccion(campo)
    if _senal_de_correccion(clave) and not _palabras_ajenas(clave):
        campo = pide_correccion(clave)
        if campo:
            return Correccion(campo)
        return None if es_respuesta and si_o_no(clave) is not None else Correccion(None)
    if es_respuesta:
        return None
    campo = pide_correccion(clave)
    if campo:
        return Correccion(campo)
    return Correccion(None) if segun_modelo else None


# --- name and occupation -----------------------------------------------------------------

_PARTICULAS = frozenset("de del la las los y e da das do dos di van von der den el".split())
_NOMBRE_EJEMPLO = "Ejemplo: María Guadalupe López Hernández"
_NOMBRE_PREFIJO = re.compile(
    r"^(?:hola[\s,]+)?(?:me llamo|mi nombre es|mi nombre completo es|soy)(?:\s+|$)",
    re.IGNORECASE,
)
_NOMBRE_SIGNOS = frozenset(" '’-.")
NOMBRE_MIN, NOMBRE_MAX = 5, 120


def _capitalizar(texto: str) -> str:
    """Each word capitalised, except particles ("de la") in the middle."""
    palabras = texto.lower().split(" ")
    salida = []
    for i, palabra in enumerate(palabras):
        if i > 0 and palabra in _PARTICULAS:
            salida.append(palabra)
        else:
            salida.append(re.sub(r"[^\W\d_]+", lambda m: m.group().capitalize(), palabra, count=1))
            salida[-1] = re.sub(
                r"(?<=['’-])[^\W\d_]+", lambda m: m.group().capitalize(), salida[-1]
            )
    return " ".join(salida)


def _es_letra_latina(c: str) -> bool:
    return c.isalpha() and unicodedata.name(c, "").startswith("LATIN")


def validar_nombre(texto: str | None) -> str:
    """A clean full name (given name and surname), capitalised if it came all in one case."""
    valor = " ".join(str(texto or "").split())
    valor = _NOMBRE_PREFIJO.sub("", valor).strip(" ,")
    if not valor:
        raise ErrorValidacion(f"Escribe tu nombre completo. {_NOMBRE_EJEMPLO}", "nombre")
    if parece_pregunta(valor):
        raise ErrorValidacion(
            f"Eso parece una pregunta. Primero escribe tu nombre completo. {_NOMBRE_EJEMPLO}",
            "nombre",
        )
    if any(c.isdigit() for c in valor):
        raise ErrorValidacion(f"Tu nombre no debe llevar números. {_NOMBRE_EJEMPLO}", "nombre")
    if any(not _es_letra_latina(c) and c not in _NOMBRE_SIGNOS for c in valor):
        raise ErrorValidacion(
            "Tu nombre solo puede llevar letras, espacios, guiones, apóstrofos y puntos. "
            f"{_NOMBRE_EJEMPLO}",
            "nombre",
        )
    palabras = [p for p in valor.split(" ") if any(c.isalpha() for c in p)]
    if len(palabras) < 2:
        raise ErrorValidacion(
            f"Escribe tu nombre y al menos un apellido. {_NOMBRE_EJEMPLO}", "nombre"
        )
    if not NOMBRE_MIN <= len(valor) <= NOMBRE_MAX:
        raise ErrorValidacion(
            f"Tu nombre debe tener entre {NOMBRE_MIN} y {NOMBRE_MAX} caracteres. {_NOMBRE_EJEMPLO}",
            "nombre",
        )
    if valor.islower() or valor.isupper():
        valor = _capitalizar(valor)
    return valor


_OCUPACION_EJEMPLO = "Ejemplo: carpintero, limpieza de casas, chofer"
_OCUPACION_PREFIJO = re.compile(
    r"^(?:(?:yo\s+)?soy(?:\s+una?)?|trabajo\s+(?:de|como|en)|me dedico\s+a(?:l)?"
    r"|mi\s+(?:trabajo|oficio|ocupacion|ocupación)\s+es)(?:\s+|$)",
    re.IGNORECASE,
)
OCUPACION_MIN, OCUPACION_MAX = 2, 80


def validar_ocupacion(texto: str | None) -> str:
    """Occupation or trade as free text, trimmed, with its first letter in upper case."""
    valor = " ".join(str(texto or "").split()).strip(" .,;:!¡")
    valor = _OCUPACION_PREFIJO.sub("", valor).strip()
    if not valor:
        raise ErrorValidacion(f"Escribe a qué te dedicas. {_OCUPACION_EJEMPLO}", "ocupacion")
    if parece_pregunta(valor) or si_o_no(valor) is not None:
        raise ErrorValidacion(
            f"No entendí a qué te dedicas; escribe tu oficio o trabajo. {_OCUPACION_EJEMPLO}",
            "ocupacion",
        )
    if not any(c.isalpha() for c in valor):
        raise ErrorValidacion(
            f"Escribe tu ocupación con palabras, no solo números. {_OCUPACION_EJEMPLO}",
            "ocupacion",
        )
    if not OCUPACION_MIN <= len(valor) <= OCUPACION_MAX:
        raise ErrorValidacion(
            f"Describe tu ocupación en {OCUPACION_MIN} a {OCUPACION_MAX} caracteres. "
            f"{_OCUPACION_EJEMPLO}",
            "ocupacion",
        )
    return valor[0].upper() + valor[1:]


# --- NSS and the Mexican address (the IMSS form asks for them) ---------------------------

#: "NO LO TENGO" and the like, to the NSS question: it is optional.
_SIN_NSS = re.compile(
    r"^(?:no|nop|ninguno|nel)?\s*(?:lo\s+|la\s+)?(?:tengo|se|sé|recuerdo|me\s+acuerdo|cuento\s+con\s+el)?"
    r"(?:\s+(?:nss|numero|de\s+seguro\s+social|todavia|aun|aún))*$"
)


def leer_nss(texto: str | None) -> str | bool:
    """The validated NSS, or False for "NO LO TENGO" (raises ErrorValidacion otherwise)."""
    clave = _clave(texto)
    if clave and (si_o_no(clave) is False or (_SIN_NSS.match(clave) and clave.startswith("no"))):
        return False
    return validar_nss(str(texto or ""))


_ESTADO_MX_EJEMPLO = "Ej.: Jalisco, Michoacán o Ciudad de México"
_ALIAS_ESTADOS_MX = {
    "cdmx": "Ciudad de México", "df": "Ciudad de México", "distrito federal": "Ciudad de México",
    "edomex": "Estado de México", "edo mex": "Estado de México", "mexico": "Estado de México",
    "coahuila de zaragoza": "Coahuila", "michoacan de ocampo": "Michoacán",
    "veracruz de ignacio de la llave": "Veracruz", "nl": "Nuevo León", "slp": "San Luis Potosí",
    "bcs": "Baja California Sur", "bc": "Baja California", "qroo": "Quintana Roo",
}  # fmt: skip


def _estados_mx() -> dict[str, str]:
    nombres = {n for c, n in ESTADOS_CURP.items() if c != "NE"}
    return {**{_clave(n): n for n in nombres}, **_ALIAS_ESTADOS_MX}


def validar_estado_mx(texto: str | None) -> str:
    """One of Mexico's 32 states by name, alias ("CDMX", "Edomex") or a close misspelling."""
    clave = _clave(re.sub(r"(?i)^\s*(?:en|el estado de)\s+", "", str(texto or "")))
    estados = _estados_mx()
    if clave in estados:
        return estados[clave]
    mejor = process.extractOne(clave, list(estados), scorer=fuzz.ratio, score_cutoff=_UMBRAL_DIFUSO)
    if mejor:
        return estados[mejor[0]]
    raise ErrorValidacion(
        f"No reconocí ese estado de México. {_ESTADO_MX_EJEMPLO}", "domicilio_estado"
    )


LUGAR_MX_MIN, LUGAR_MX_MAX = 2, 120


def validar_lugar_mx(texto: str | None, campo: str, que: str, ejemplo: str) -> str:
    """A municipio/alcaldía or colonia as free text (no list of them is kept)."""
    valor = " ".join(str(texto or "").split()).strip(" .,;:!¡")
    if not valor:
        raise ErrorValidacion(f"Escribe {que}. {ejemplo}", campo)
    if parece_pregunta(valor) or si_o_no(valor) is not None or not any(c.isalpha() for c in valor):
        raise ErrorValidacion(f"No entendí; escribe {que}. {ejemplo}", campo)
    if not LUGAR_MX_MIN <= len(valor) <= LUGAR_MX_MAX:
        raise ErrorValidacion(
            f"Escribe {que} en {LUGAR_MX_MIN} a {LUGAR_MX_MAX} caracteres. {ejemplo}", campo
        )
    return valor[0].upper() + valor[1:]


# --- residence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Residencia:
    ciudad: str | None  # in the US "Dallas, TX"; in another country as the person wrote it
    pais: str | None  # name in Spanish ("Estados Unidos", "Canadá")


_RESIDENCIA_EJEMPLO = 'Ejemplo: "Dallas, Texas" o "Toronto, Canadá".'
RESIDENCIA_MAX = 100
_NO_PAISES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
_ALIAS_PAISES: dict[str, str] = {
    **dict.fromkeys(
        "eeuu|ee uu|eua|e u a|usa|u s a|us|u s|eu|e u|estados unidos de america"
        "|estados unidos de norteamerica|united states of america|the united states".split("|"),
        "US",
    ),
    "mejico": "MX",
    "estados unidos mexicanos": "MX",
    "republica mexicana": "MX",
    "holanda": "NL",
    "inglaterra": "GB",
    "escocia": "GB",
    "gales": "GB",
    "rep dominicana": "DO",
    "republica dominicana": "DO",
    "corea": "KR",
}
_MAX_PALABRAS_PAIS = 6
_PREFIJOS_RESIDENCIA = re.compile(
    r"^(?:(?:yo\s+)?(?:vivo|estoy|radico|resido|trabajo|ando|soy)"
    r"(?:\s+(?:actualmente|ahorita|ahora))?\s+(?:en|de|por)\s+|(?:actualmente|ahorita)\s+en\s+"
    r"|desde\s+|en\s+)"
)


@lru_cache(maxsize=1)
def _paises() -> dict[str, str]:
    """Normalised name (Spanish, English or an alias) -> name in Mexican Spanish."""
    nombres_mx = Locale.parse(LOCALE).territories
    indice: dict[str, str] = {}
    for idioma in ("en", "es", LOCALE):
        for codigo, nombre in Locale.parse(idioma).territories.items():
            if len(codigo) == 2 and codigo not in _NO_PAISES and codigo in nombres_mx:
                indice.setdefault(_clave(nombre), nombres_mx[codigo])
    for alias, codigo in _ALIAS_PAISES.items():
        indice[alias] = nombres_mx[codigo]
    return indice


def _limpiar_lugar(texto: str) -> str:
    valor = " ".join(texto.split()).strip(" .,;:!¡-")
    return _capitalizar(valor) if valor.islower() or valor.isupper() else valor


def _sufijo(palabras: list[str], buscar) -> tuple[int, str | None]:
    """The longest tail of words `buscar` recognises: (number of words, value)."""
    for n in range(min(_MAX_PALABRAS_PAIS, len(palabras)), 0, -1):
        valor = buscar(" ".join(palabras[-n:]))
        if valor:
            return n, valor
    return 0, None


def residencia(texto: str | None) -> Residencia:
    """City and country of residence from free text ("vivo en Dallas, Texas").

    US cities come from `bot.ventanillas.buscar_lugar` ("Dallas, TX"); countries from babel's
    Spanish and English names plus aliases ("USA", "EE. UU."). Raises ValidationError if the
    text is empty, is a question or does not look like a place.
    """
    crudo = " ".join(str(texto or "").split())
    if not _clave(crudo):
        raise ErrorValidacion(
            f"Escribe la ciudad y el país donde vives. {_RESIDENCIA_EJEMPLO}", "ciudad"
        )
    if parece_pregunta(crudo) or len(crudo) > RESIDENCIA_MAX:
        raise ErrorValidacion(
            f"Escribe solo la ciudad y el país donde vives. {_RESIDENCIA_EJEMPLO}", "ciudad"
        )
    # Normalised words, each with its start and end in the original text.
    tokens = [(m, _clave(m.group())) for m in re.finditer(r"[^\s,;/]+", crudo)]
    palabras: list[str] = []
    fines: list[int] = []
    inicios: list[int] = []
    for m, clave in tokens:
        for p in clave.split():
            palabras.append(p)
            inicios.append(m.start())
            fines.append(m.end())
    prefijo = _PREFIJOS_RESIDENCIA.match(" ".join(palabras) + " ")
    if prefijo:
        saltar = len(prefijo.group().split())
        palabras, inicios, fines = palabras[saltar:], inicios[saltar:], fines[saltar:]
    if not palabras:  # only "vivo en"
        raise ErrorValidacion(
            f"Escribe la ciudad y el país donde vives. {_RESIDENCIA_EJEMPLO}", "ciudad"
        )

    def original(n: int) -> str:  # original text of the first n words
        return crudo[inicios[0] : fines[n - 1]] if n else ""

    n_estado, estado = _sufijo(palabras, ventanillas.estado_de)
    n_pais, pais = _sufijo(palabras, _paises().get)
    termina_en_estado = bool(n_estado) and n_estado >= n_pais  # "Atlanta, Georgia"
    if termina_en_estado:
        n_pais, pais = 0, ESTADOS_UNIDOS
    resto = original(len(palabras) - n_pais)
    if not resto:  # only the country: "Canadá", "EE. UU."
        return Residencia(None, pais)
    if pais is not None and pais != ESTADOS_UNIDOS:
        return Residencia(_validar_ciudad(resto), pais)
    lugar = ventanillas.buscar_lugar(resto)
    if lugar:
        return Residencia(f"{lugar.nombre}, {lugar.estado}", ESTADOS_UNIDOS)
    if n_estado == len(palabras):  # only a state: "Texas", "Nuevo México"
        return Residencia(None, ESTADOS_UNIDOS)
    if termina_en_estado:  # small town: "Smallville, TX"
        ciudad = _validar_ciudad(original(len(palabras) - n_estado))
        return Residencia(f"{ciudad}, {estado}", ESTADOS_UNIDOS)
    return Residencia(_validar_ciudad(resto), pais)


def _validar_ciudad(texto: str) -> str:
    ciudad = _limpiar_lugar(texto)
    if not any(c.isalpha() for c in ciudad):
        raise ErrorValidacion(
            f"No reconocí ese lugar; escribe el nombre de tu ciudad. {_RESIDENCIA_EJEMPLO}",
            "ciudad",
        )
    return ciudad


# --- formatting --------------------------------------------------------------------------


def fecha_larga(d: date) -> str:
    """A date in words: date(1985, 1, 5) -> "5 de enero de 1985"."""
    return format_date(d, "d 'de' MMMM 'de' y", locale=LOCALE)


def dinero(monto: Decimal, moneda: str) -> str:
    """An amount with two decimals and the currency at the end: "$2,255.26 MXN"."""
    valor = Decimal(str(monto)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    signo = "-" if valor < 0 else ""
    cifra = format_decimal(abs(valor), "#,##0.00", locale=LOCALE)
    return f"{signo}${cifra} {moneda.strip().upper()}"


def clave_idempotencia(*partes: str) -> str:
    """Stable SHA-256 (hex) of the parts; ("a|b",) and ("a", "b") give different keys."""
    datos = json.dumps([str(p) for p in partes], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(datos.encode("utf-8")).hexdigest()


#: The CURP's sex letter -> word for the summary.
SEXO: dict[str, str] = {"H": "hombre", "M": "mujer", "X": "no binario"}


def nombre_estado(clave: str) -> str:
    """The state's name for a CURP state code ("JC" -> "Jalisco"); an unknown code as it is."""
    codigo = str(clave or "").strip().upper()
    return ESTADOS_CURP.get(codigo, codigo)


# Version of the privacy notice (served at /privacidad) stored with every consent.
AVISO_PRIVACIDAD_VERSION = "orienta-2026-12"


def precargar() -> None:
    """Loads the country names (babel) now, not on the first answer that needs them."""
    _paises()


_OTRO_CODIGO = re.compile(
    r"\b(otro codigo|nuevo codigo|codigo nuevo|reenvia|reenviar|reenvialo|manda(me)? otro|"
    r"no (me )?(llego|llega|ha llegado)|no lo recibi|ya (se )?vencio)\b"
)


def pide_otro_codigo(texto: str | None) -> bool:
    """ "OTRO CÓDIGO", "no me llegó", "reenvíalo": the person asks for a new one-time code."""
    return bool(_OTRO_CODIGO.search(minusculas_sin_acentos(texto)))
