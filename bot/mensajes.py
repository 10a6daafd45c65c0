"""Formatting of the bot's replies for Twilio (SMS and WhatsApp).

Pure functions, no Rasa: they take the messages a ``CollectingOutputChannel`` collects (dicts
with ``text``, ``buttons``, ``image``, ``attachment``, ``custom``) and return the message bodies
sent in the TwiML.

SMS decision (see docs/twilio.md): SMS are transliterated to GSM-7 (á→a, í→i, ó→o, ú→u, no
emoji) to pay for 153 characters per segment instead of 67 (UCS-2). The Spanish letters that
GSM-7 does have are kept: ñ Ñ é É ü Ü ¡ ¿. WhatsApp is left as is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import canales
from bot.texto import sin_acentos

MEDIO_SMS = canales.SMS
MEDIO_WHATSAPP = canales.WHATSAPP

# Twilio's limit for one message body (error 21617) and the most messages sent per turn.
MAX_CUERPO = 1600
MAX_MENSAJES = 3
# WhatsApp: up to 3 buttons are shown on a single line (like "quick replies").
MAX_OPCIONES_EN_LINEA = 3

INSTRUCCION_OPCIONES = "Responde con el número."
AVISO_RECORTE = "(El mensaje es largo y lo recorté. Escribe MÁS para ver más detalles.)"

# ---------------------------------------------------------------------------- GSM-7

# GSM 03.38, basic table (1 septet) and extension table (ESC + character: 2 septets).
GSM7_BASICO = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SEGMENTO_UNICO = 160
GSM7_SEGMENTO_CONCATENADO = 153
UCS2_SEGMENTO_UNICO = 70
UCS2_SEGMENTO_CONCATENADO = 67

# Explicit replacements, tried before the generic Unicode decomposition.
_REEMPLAZOS_GSM7 = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "«": '"',
    "»": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "•": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "ª": "a",
    "º": "o",
    "°": "o",
    "≈": "~",
}


def es_gsm7(texto: str) -> bool:
    """True if the whole text fits in the GSM-7 alphabet (basic + extension)."""
    return all(c in GSM7_BASICO or c in GSM7_EXTENSION for c in texto)


def _unidades(texto: str) -> tuple[list[int], int, int]:
    """Size of each character in SMS units, and the segment limits that apply."""
    if es_gsm7(texto):
        return (
            [2 if c in GSM7_EXTENSION else 1 for c in texto],
            GSM7_SEGMENTO_UNICO,
            GSM7_SEGMENTO_CONCATENADO,
        )
    # UCS-2 (UTF-16 in practice): emoji and others outside the BMP take 2 units.
    return (
        [2 if ord(c) > 0xFFFF else 1 for c in texto],
        UCS2_SEGMENTO_UNICO,
        UCS2_SEGMENTO_CONCATENADO,
    )


def segmentos_sms(texto: str) -> int:
    """Number of SMS segments ``texto`` takes (what the carrier bills).

    GSM-7: 160 septets in a single segment, 153 per segment when concatenated; characters of the
    extension table count 2. A single character outside GSM-7 sends the whole message as UCS-2:
    70 / 67 UTF-16 units. A 2-unit character (ESC+x or a surrogate pair) is never split across
    segments.
    """
    if not texto:
        return 0
    unidades, unico, concatenado = _unidades(texto)
    if sum(unidades) <= unico:
        return 1
    segmentos, usado = 1, 0
    for tam in unidades:
        if usado + tam > concatenado:
            segmentos += 1
            usado = 0
        usado += tam
    return segmentos


def codificacion_sms(texto: str) -> str:
    """'GSM-7' or 'UCS-2', whichever alphabet the text needs."""
    return "GSM-7" if es_gsm7(texto) else "UCS-2"


def a_gsm7(texto: str) -> str:
    """Transliterates the text to GSM-7, keeping what GSM-7 already has (ñ, é, ü, ¡, ¿).

    á→a, í→i, ó→o, ú→u (and capitals); typographic quotes and dashes to ASCII; emoji and other
    symbols with no equivalent are dropped (and the spaces they leave are tidied).
    """
    salida: list[str] = []
    for c in texto:
        if c in GSM7_BASICO or c in GSM7_EXTENSION:
            salida.append(c)
            continue
        if c in _REEMPLAZOS_GSM7:
            salida.append(_REEMPLAZOS_GSM7[c])
            continue
        base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
        if base and es_gsm7(base):
            salida.append(base)
        # No equivalent (emoji, variation selectors...): left out.
    resultado = "".join(salida)
    resultado = re.sub(r"[ \t]{2,}", " ", resultado)
    return re.sub(r"[ \t]+\n", "\n", resultado)


# ---------------------------------------------------------------------------- Formatting


@dataclass(frozen=True)
class Opcion:
    """One of the bot's buttons, turned into a numbered option."""

    numero: int
    titulo: str
    payload: str


@dataclass(frozen=True)
class Formateado:
    """What ``formatear_turno`` returns: the turn's message bodies and numbered options."""

    cuerpos: list[str]
    opciones: list[Opcion] = field(default_factory=list)
    recortado: bool = False


def _texto_de(mensaje: Mapping[str, Any]) -> str:
    partes: list[str] = []
    texto = mensaje.get("text")
    if texto:
        partes.append(str(texto).strip())
    custom = mensaje.get("custom")
    if isinstance(custom, Mapping) and custom.get("text"):
        partes.append(str(custom["text"]).strip())
    for clave in ("image", "attachment"):
        valor = mensaje.get(clave)
        if isinstance(valor, str) and valor.strip():
            partes.append(valor.strip())
    return "\n".join(p for p in partes if p)


def _titulo_limpio(titulo: str, medio: str) -> str:
    titulo = " ".join(str(titulo).split())
    if medio == MEDIO_WHATSAPP:
        # A '*' or '_' inside the title would break WhatsApp's bold formatting.
        titulo = titulo.replace("*", "").replace("_", " ").strip()
    return titulo


def _bloque_opciones(opciones: Sequence[Opcion], medio: str) -> str:
    if medio == MEDIO_WHATSAPP:
        if len(opciones) <= MAX_OPCIONES_EN_LINEA:
            linea = "   ".join(f"{o.numero}) *{o.titulo}*" for o in opciones)
            return f"{linea}\n{INSTRUCCION_OPCIONES}"
        lineas = [f"{o.numero}) *{o.titulo}*" for o in opciones]
    else:
        lineas = [f"{o.numero}) {o.titulo}" for o in opciones]
    return "\n".join([*lineas, INSTRUCCION_OPCIONES])


def _partir_largo(texto: str, limite: int) -> list[str]:
    """Splits a block without line breaks into pieces ≤ limite, between words when possible."""
    trozos: list[str] = []
    while len(texto) > limite:
        corte = texto.rfind(" ", 0, limite + 1)
        if corte <= 0:
            corte = limite
        trozos.append(texto[:corte].rstrip())
        texto = texto[corte:].lstrip()
    if texto:
        trozos.append(texto)
    return trozos


def _piezas(texto: str, limite: int) -> list[tuple[str, str]]:
    """Splits into (preceding separator, piece) pairs: by paragraph, then line, then word."""
    piezas: list[tuple[str, str]] = []
    for i, parrafo in enumerate(texto.split("\n\n")):
        sep = "\n\n" if i else ""
        if len(parrafo) <= limite:
            piezas.append((sep, parrafo))
            continue
        for j, linea in enumerate(parrafo.split("\n")):
            sep_linea = sep if j == 0 else "\n"
            for k, trozo in enumerate(_partir_largo(linea, limite)):
                piezas.append((sep_linea if k == 0 else " ", trozo))
    return piezas


def partir(
    texto: str,
    limite: int = MAX_CUERPO,
    max_mensajes: int = MAX_MENSAJES,
    aviso: str = AVISO_RECORTE,
) -> tuple[list[str], bool]:
    """Spreads ``texto`` over the fewest bodies ≤ ``limite`` (at most ``max_mensajes``).

    Cuts at paragraph boundaries, else at line breaks, and as a last resort between words. If it
    does not fit in ``max_mensajes``, the last body ends with ``aviso``. Returns
    (bodies, truncated).
    """
    texto = texto.strip()
    if not texto:
        return [], False
    if len(texto) <= limite:
        return [texto], False

    cuerpos: list[str] = []
    actual = ""
    for sep, pieza in _piezas(texto, limite):
        if not actual:
            actual = pieza
        elif len(actual) + len(sep) + len(pieza) <= limite:
            actual += sep + pieza
        else:
            cuerpos.append(actual)
            actual = pieza
    if actual:
        cuerpos.append(actual)

    if len(cuerpos) <= max_mensajes:
        return cuerpos, False

    cuerpos = cuerpos[:max_mensajes]
    ultimo = cuerpos[-1]
    espacio = limite - len(aviso) - 2
    if len(ultimo) > espacio:
        corte = max(ultimo.rfind("\n", 0, espacio), ultimo.rfind(" ", 0, espacio))
        ultimo = ultimo[: corte if corte > 0 else espacio].rstrip()
    cuerpos[-1] = f"{ultimo}\n\n{aviso}"
    return cuerpos, True


def formatear_turno(
    mensajes: Iterable[Mapping[str, Any]], medio: str, *, transliterar: bool = True
) -> Formateado:
    """Joins the messages of one bot turn into the fewest message bodies for Twilio.

    - The buttons of all the messages are numbered in order (1, 2, 3...) and followed by
      "Responde con el número.". ``Formateado.opciones`` keeps number → payload.
    - WhatsApp: titles in ``*bold*``; up to 3 options go on one line, more as a list.
    - SMS: plain text transliterated to GSM-7 (see ``a_gsm7``); ``transliterar=False`` keeps
      the accents (only for measuring: see ``python -m channels.medir_sms``).
    - Each body ≤ 1600 characters, at most 3 bodies (see ``partir``).
    """
    if medio not in (MEDIO_SMS, MEDIO_WHATSAPP):
        raise ValueError(f"medio desconocido: {medio!r}")

    bloques: list[str] = []
    opciones: list[Opcion] = []
    for mensaje in mensajes:
        texto = _texto_de(mensaje)
        if texto:
            bloques.append(texto)
        nuevas: list[Opcion] = []
        for boton in mensaje.get("buttons") or []:
            titulo = _titulo_limpio(boton.get("title") or "", medio)
            payload = str(boton.get("payload") or boton.get("title") or "").strip()
            if not titulo or not payload:
                continue
            nuevas.append(Opcion(len(opciones) + len(nuevas) + 1, titulo, payload))
        if nuevas:
            bloques.append(_bloque_opciones(nuevas, medio))
            opciones.extend(nuevas)

    texto = "\n\n".join(bloques)
    aviso = AVISO_RECORTE
    if medio == MEDIO_SMS and transliterar:
        texto = a_gsm7(texto)
        aviso = a_gsm7(aviso)
    cuerpos, recortado = partir(texto, aviso=aviso)
    return Formateado(cuerpos=cuerpos, opciones=opciones, recortado=recortado)


def repite_opciones(texto: str, titulos: Sequence[str]) -> bool:
    """True when the text itself lists the buttons as numbered options ("¿Aceptas? 1 Sí 2 No").

    A message with buttons must not: the web chat shows the buttons, and on SMS/WhatsApp
    ``formatear_turno`` numbers them, so the text would show the options twice."""
    if len(titulos) < 2:
        return False
    clave = sin_acentos(texto).lower()
    for numero, titulo in enumerate(titulos[:2], 1):
        palabras = re.findall(r"\w+", sin_acentos(titulo).lower())
        if not palabras:
            return False
        patron = rf"(?<!\d){numero}\s*[).:-]?\s*{re.escape(palabras[0])}\b"
        if not re.search(patron, clave):
            return False
    return True


def texto_sistema(texto: str, medio: str) -> str:
    """A fixed text of the channel (media notice, empty message...) adapted to the medium."""
    return a_gsm7(texto) if medio == MEDIO_SMS else texto


def segmentos_totales(cuerpos: Iterable[str]) -> int:
    """Total SMS segments of several bodies."""
    return sum(segmentos_sms(c) for c in cuerpos)


__all__ = [
    "AVISO_RECORTE",
    "Formateado",
    "INSTRUCCION_OPCIONES",
    "MAX_CUERPO",
    "MAX_MENSAJES",
    "MEDIO_SMS",
    "MEDIO_WHATSAPP",
    "Opcion",
    "a_gsm7",
    "codificacion_sms",
    "es_gsm7",
    "formatear_turno",
    "partir",
    "repite_opciones",
    "segmentos_sms",
    "segmentos_totales",
    "texto_sistema",
]


# A promoter's reply, as the person reads it on any channel.
FORMATO = "Respuesta de tu Ventanilla de Salud (caso {ticket}): {texto}"


def texto_respuesta_promotor(ticket: Any, texto: str) -> str:
    """A promoter's reply as the person reads it (next message or Twilio send)."""
    return FORMATO.format(ticket=ticket, texto=texto.strip())


def texto_codigo(codigo: str, para_borrar: bool, minutos: int) -> str:
    """The SMS/WhatsApp with a one-time code (status check or erasure of a registration)."""
    para = "borrar tus datos" if para_borrar else "consultar tu prerregistro"
    return (
        f"Orienta: tu código para {para} es {codigo}. Vence en {minutos} minutos. "
        "No lo compartas con nadie. Si no lo pediste tú, ignora este mensaje."
    )
