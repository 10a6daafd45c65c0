"""Pure validation helpers shared by the enrollment API, the Rasa actions and the console.

Every function normalises its input and either returns the clean value or raises
:class:`ValidationError` with a Spanish message that explains the problem and gives an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError
from email_validator import validate_email as _validate_email
from stdnum.mx import curp as _curp

__all__ = [
    "ErrorValidacion",
    "DatosCurp",
    "ESTADOS_CURP",
    "validar_curp",
    "extraer_curp",
    "hay_curp",
    "validar_nss",
    "validar_codigo_postal_mx",
    "digito_verificador_nss",
    "validar_correo",
    "normalizar_telefono",
    "es_e164",
]


class ErrorValidacion(ValueError):
    """A user-facing validation error. ``mensaje`` is Spanish; ``campo`` names the field."""

    def __init__(self, mensaje: str, campo: str | None = None):
        super().__init__(mensaje)
        self.mensaje = mensaje
        self.campo = campo


#: CURP state codes (positions 12-13) -> state name (RENAPO catalogue).
ESTADOS_CURP: dict[str, str] = {
    "AS": "Aguascalientes",
    "BC": "Baja California",
    "BS": "Baja California Sur",
    "CC": "Campeche",
    "CL": "Coahuila",
    "CM": "Colima",
    "CS": "Chiapas",
    "CH": "Chihuahua",
    "DF": "Ciudad de México",
    "DG": "Durango",
    "GT": "Guanajuato",
    "GR": "Guerrero",
    "HG": "Hidalgo",
    "JC": "Jalisco",
    "MC": "Estado de México",
    "MN": "Michoacán",
    "MS": "Morelos",
    "NT": "Nayarit",
    "NL": "Nuevo León",
    "OC": "Oaxaca",
    "PL": "Puebla",
    "QT": "Querétaro",
    "QR": "Quintana Roo",
    "SP": "San Luis Potosí",
    "SL": "Sinaloa",
    "SR": "Sonora",
    "TC": "Tabasco",
    "TS": "Tamaulipas",
    "TL": "Tlaxcala",
    "VZ": "Veracruz",
    "YN": "Yucatán",
    "ZS": "Zacatecas",
    "NE": "Nacido en el extranjero",
}

_CURP_EJEMPLO = (
    "Ejemplo: GOMC850312HJCRRR00 (18 caracteres, la encuentras en tu acta o en gob.mx/curp)."
)


@dataclass(frozen=True)
class DatosCurp:
    curp: str
    fecha_nacimiento: date
    sexo: str  # "H" (hombre), "M" (mujer) or "X" (no binario)
    estado_clave: str
    estado_nombre: str


def validar_curp(text: str) -> DatosCurp:
    """Normalise and validate a CURP (format, date, state and check digit)."""
    if text is None or not str(text).strip():
        raise ErrorValidacion(f"Escribe tu CURP. {_CURP_EJEMPLO}", "curp")
    value = re.sub(r"[\s\-\.]", "", str(text)).upper()
    if len(value) != 18:
        raise ErrorValidacion(
            f"La CURP debe tener 18 caracteres y tiene {len(value)}. {_CURP_EJEMPLO}", "curp"
        )
    try:
        value = _curp.validate(value, validate_check_digits=True)
    except _curp.InvalidChecksum:
        raise ErrorValidacion(
            "La CURP no es válida: el último dígito (verificador) no coincide. "
            f"Revisa que la copiaste completa y sin errores. {_CURP_EJEMPLO}",
            "curp",
        ) from None
    except _curp.ValidationError:
        raise ErrorValidacion(
            "La CURP no tiene el formato correcto: 4 letras, 6 dígitos de la fecha de "
            "nacimiento (AAMMDD), H/M, 2 letras del estado, 3 consonantes y 2 caracteres "
            f"finales. {_CURP_EJEMPLO}",
            "curp",
        ) from None
    estado = value[11:13]
    if estado not in ESTADOS_CURP:
        raise ErrorValidacion(
            f"La CURP tiene un código de estado desconocido ({estado}). {_CURP_EJEMPLO}", "curp"
        )
    sexo = value[10]
    return DatosCurp(
        curp=value,
        fecha_nacimiento=_curp.get_birth_date(value),
        sexo=sexo,
        estado_clave=estado,
        estado_nombre=ESTADOS_CURP[estado],
    )


# A CURP inside a sentence ("mi curp es GOCR850312HJCMRR00 gracias"), upper-cased first. The
# analytics masking (bot/analitica.py) has its own, broader pattern on purpose: it also hides
# partial or mistyped CURPs, which this rule must not accept.
_CURP_EN_FRASE = re.compile(r"\b[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d\b")


def extraer_curp(text: str | None) -> DatosCurp:
    """A CURP alone or inside a sentence; the error of reading the whole text otherwise."""
    try:
        return validar_curp(str(text or ""))
    except ErrorValidacion as error:
        encontrada = _CURP_EN_FRASE.search(str(text or "").upper())
        if encontrada is None:
            raise
        try:
            return validar_curp(encontrada.group(0))
        except ErrorValidacion:
            raise error from None


def hay_curp(text: str | None) -> bool:
    """True when a sentence contains a valid CURP (used on the activating message)."""
    encontrada = _CURP_EN_FRASE.search(str(text or "").upper())
    if not encontrada:
        return False
    try:
        validar_curp(encontrada.group(0))
    except ErrorValidacion:
        return False
    return True


def digito_verificador_nss(first10: str) -> str:
    """IMSS NSS check digit: Luhn over the first 10 digits (weights 1,2,1,2,... from the left)."""
    if not re.fullmatch(r"\d{10}", first10):
        raise ValueError("se esperan 10 dígitos")
    total = 0
    for i, ch in enumerate(first10):
        n = int(ch) * (2 if i % 2 else 1)
        total += n // 10 + n % 10
    return str((10 - total % 10) % 10)


_NSS_EJEMPLO = "Ejemplo: 12345678903 (11 dígitos; viene en tu constancia de NSS del IMSS)."


def validar_nss(text: str) -> str:
    """Normalise and validate an IMSS Número de Seguridad Social (11 digits + check digit)."""
    value = re.sub(r"[\s\-\.]", "", str(text or ""))
    if not value:
        raise ErrorValidacion(f"Escribe tu NSS. {_NSS_EJEMPLO}", "nss")
    if not value.isdigit():
        raise ErrorValidacion(f"El NSS solo lleva números. {_NSS_EJEMPLO}", "nss")
    if len(value) != 11:
        raise ErrorValidacion(
            f"El NSS debe tener 11 dígitos y tiene {len(value)}. {_NSS_EJEMPLO}", "nss"
        )
    if digito_verificador_nss(value[:10]) != value[10]:
        raise ErrorValidacion(
            "El NSS no es válido: el último dígito (verificador) no coincide. "
            f"Revisa que lo copiaste bien. {_NSS_EJEMPLO}",
            "nss",
        )
    return value


_CP_EJEMPLO = "Ejemplo: 44100 (5 dígitos)."


def validar_codigo_postal_mx(text: str) -> str:
    """A Mexican código postal: exactly 5 digits ("CP 44100", "44 100" are accepted)."""
    value = re.sub(r"(?i)^\s*c\.?\s*p\.?\s*|[\s\-\.]", "", str(text or ""))
    if not value:
        raise ErrorValidacion(f"Escribe el código postal. {_CP_EJEMPLO}", "domicilio_cp")
    if not value.isdigit() or len(value) != 5:
        raise ErrorValidacion(
            f"El código postal en México tiene 5 dígitos, solo números. {_CP_EJEMPLO}",
            "domicilio_cp",
        )
    return value


def validar_correo(text: str) -> str:
    """Validate an email address syntactically (no DNS lookups) and return its normal form."""
    value = str(text or "").strip()
    ejemplo = "Ejemplo: maria.lopez@gmail.com"
    if not value:
        raise ErrorValidacion(f"Escribe tu correo electrónico. {ejemplo}", "email")
    try:
        result = _validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ErrorValidacion(
            f"El correo electrónico no es válido; revisa que tenga @ y un dominio. {ejemplo}",
            "email",
        ) from None
    return result.normalized


_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def es_e164(telefono: str | None) -> bool:
    """True for a number already in E.164 form ("+13125551234"): what Twilio sends and takes."""
    return bool(_E164.match(str(telefono or "")))


_PHONE_EJEMPLO = "Ejemplos: (312) 555-1234 para EE. UU. o +52 55 1234 5678 para México."
# National significant number lengths accepted for the countries we expect most.
_CC_LENGTHS = {"1": (10,), "52": (10,)}
_DEFAULT_CC = {"US": "1", "CA": "1", "MX": "52"}


def normalizar_telefono(text: str, default_country: str = "US") -> str:
    """Return the phone number in E.164 form (``+13125551234``).

    Numbers without an international prefix are read as numbers of ``default_country``
    (US, CA or MX). ``+``, ``00`` and ``011`` prefixes are accepted. Old Mexican mobile
    numbers written as ``+52 1 ...`` are normalised to the current 10-digit form.
    """
    raw = str(text or "").strip()
    if not raw:
        raise ErrorValidacion(f"Escribe tu número de teléfono. {_PHONE_EJEMPLO}", "telefono")
    if re.search(r"[^\d\s\-\.\(\)\+/]", raw) or raw.count("+") > 1 or "+" in raw.lstrip()[1:]:
        raise ErrorValidacion(
            f"El teléfono solo puede llevar números, espacios, guiones, paréntesis y '+'. "
            f"{_PHONE_EJEMPLO}",
            "telefono",
        )
    digits = re.sub(r"\D", "", raw)
    international = raw.startswith("+")
    if not international:
        for prefix in ("011", "00"):
            if digits.startswith(prefix):
                digits, international = digits[len(prefix) :], True
                break
    if not international:
        cc = _DEFAULT_CC.get(default_country.upper())
        if cc is None:
            raise ValueError(f"país por omisión no soportado: {default_country}")
        if cc == "1" and len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10:
            raise ErrorValidacion(
                f"El teléfono debe tener 10 dígitos (sin contar la lada del país) y tiene "
                f"{len(digits)}. {_PHONE_EJEMPLO}",
                "telefono",
            )
        digits = cc + digits
    else:
        if digits.startswith("521") and len(digits) == 13:
            digits = "52" + digits[3:]
        for cc, lengths in _CC_LENGTHS.items():
            if digits.startswith(cc):
                if len(digits) - len(cc) not in lengths:
                    raise ErrorValidacion(
                        f"Con la lada +{cc} el número debe tener {lengths[0]} dígitos más. "
                        f"{_PHONE_EJEMPLO}",
                        "telefono",
                    )
                break
        else:
            if not 8 <= len(digits) <= 15:
                raise ErrorValidacion(
                    f"El teléfono internacional no tiene una longitud válida. {_PHONE_EJEMPLO}",
                    "telefono",
                )
    if digits.startswith("1") and digits[1] in "01":
        raise ErrorValidacion(
            f"Ese número de EE. UU./Canadá no es válido (la lada no puede empezar con 0 o 1). "
            f"{_PHONE_EJEMPLO}",
            "telefono",
        )
    return "+" + digits


# ---------------------------------------------------------------- one-time codes
DIGITOS_CODIGO = 6
_CIFRAS = re.compile(r"\d")


def leer_codigo(texto: str | None) -> str:
    """The 6-digit one-time code in an answer ("482913", "482 913", "mi código es 482-913")."""
    cifras = "".join(_CIFRAS.findall(texto or ""))
    if len(cifras) != DIGITOS_CODIGO:
        raise ErrorValidacion(
            "El código tiene 6 números y te llegó por mensaje. Escríbelo tal cual. Ej.: 482913",
            "codigo",
        )
    return cifras
