"""Formato de las respuestas del bot para Twilio (SMS y WhatsApp).

Funciones puras, sin Rasa: reciben los mensajes que junta un ``CollectingOutputChannel``
(dicts con ``text``, ``buttons``, ``image``, ``attachment``, ``custom``) y devuelven los
cuerpos de mensaje que se mandan en el TwiML.

Decisión SMS (ver docs/twilio.md): los SMS se transliteran a GSM-7 (á→a, í→i, ó→o, ú→u,
sin emoji) para pagar 153 caracteres por segmento y no 67 (UCS-2). Se conservan las letras
españolas que sí están en GSM-7: ñ Ñ é É ü Ü ¡ ¿. WhatsApp no se toca.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import canales

MEDIO_SMS = canales.SMS
MEDIO_WHATSAPP = canales.WHATSAPP

# Límite de Twilio para el cuerpo de un mensaje (error 21617) y máximo de mensajes por turno.
MAX_CUERPO = 1600
MAX_MENSAJES = 3
# WhatsApp: con hasta 3 botones se muestran en una sola línea (como los "quick replies").
MAX_OPCIONES_EN_LINEA = 3

INSTRUCCION_OPCIONES = "Responde con el número."
AVISO_RECORTE = "(El mensaje es largo y lo recorté. Escribe MÁS para ver más detalles.)"

# ---------------------------------------------------------------------------- GSM-7

# GSM 03.38, tabla básica (1 septeto) y tabla de extensión (ESC + carácter: 2 septetos).
GSM7_BASICO = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SEGMENTO_UNICO = 160
GSM7_SEGMENTO_CONCATENADO = 153
UCS2_SEGMENTO_UNICO = 70
UCS2_SEGMENTO_CONCATENADO = 67

# Reemplazos explícitos antes de la descomposición Unicode genérica.
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
    """True si todo el texto cabe en el alfabeto GSM-7 (básico + extensión)."""
    return all(c in GSM7_BASICO or c in GSM7_EXTENSION for c in texto)


def _unidades(texto: str) -> tuple[list[int], int, int]:
    """Tamaño de cada carácter en unidades del SMS y los límites de segmento que tocan."""
    if es_gsm7(texto):
        return (
            [2 if c in GSM7_EXTENSION else 1 for c in texto],
            GSM7_SEGMENTO_UNICO,
            GSM7_SEGMENTO_CONCATENADO,
        )
    # UCS-2 (en la práctica UTF-16): los emoji y otros fuera del BMP ocupan 2 unidades.
    return (
        [2 if ord(c) > 0xFFFF else 1 for c in texto],
        UCS2_SEGMENTO_UNICO,
        UCS2_SEGMENTO_CONCATENADO,
    )


def segmentos_sms(texto: str) -> int:
    """Número de segmentos SMS que ocupa ``texto`` (lo que cobra el operador).

    GSM-7: 160 septetos en un segmento, 153 por segmento si se concatena; los caracteres de
    la tabla de extensión cuentan 2. Si hay un solo carácter fuera de GSM-7, todo el mensaje
    va en UCS-2: 70 / 67 unidades UTF-16. Un carácter de 2 unidades (ESC+x o un par
    sustituto) no se parte entre segmentos.
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
    """'GSM-7' o 'UCS-2' según el alfabeto que necesita el texto."""
    return "GSM-7" if es_gsm7(texto) else "UCS-2"


def a_gsm7(texto: str) -> str:
    """Translitera el texto a GSM-7 conservando lo que GSM-7 ya tiene (ñ, é, ü, ¡, ¿).

    á→a, í→i, ó→o, ú→u (y mayúsculas); comillas tipográficas y guiones a ASCII; emoji y otros
    símbolos sin equivalente se quitan (y se limpian los espacios que dejan).
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
        # Si no hay equivalente (emoji, selectores de variante...), se omite.
    resultado = "".join(salida)
    resultado = re.sub(r"[ \t]{2,}", " ", resultado)
    return re.sub(r"[ \t]+\n", "\n", resultado)


# ---------------------------------------------------------------------------- Formato


@dataclass(frozen=True)
class Opcion:
    """Un botón del bot convertido en opción numerada."""

    numero: int
    titulo: str
    payload: str


@dataclass(frozen=True)
class Formateado:
    """Resultado de ``formatear_turno``: cuerpos de mensaje y opciones numeradas del turno."""

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
        # Un '*' o '_' dentro del título rompería el formato de negritas de WhatsApp.
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
    """Parte un bloque sin saltos de línea en trozos ≤ limite, por palabras si se puede."""
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
    """Divide en piezas (separador_previo, pieza) por párrafos, luego líneas, luego palabras."""
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
    """Reparte ``texto`` en el menor número de cuerpos ≤ ``limite`` (como mucho ``max_mensajes``).

    Corta en límites de párrafo, si no alcanza en líneas y como último recurso en palabras.
    Si no cabe en ``max_mensajes``, el último cuerpo termina con ``aviso``. Devuelve
    (cuerpos, recortado).
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
    """Une los mensajes de un turno del bot en el menor número de cuerpos para Twilio.

    - Los botones de todos los mensajes se numeran en orden (1, 2, 3...) y se añade
      "Responde con el número.". ``Formateado.opciones`` guarda número → payload.
    - WhatsApp: títulos en ``*negritas*``; con ≤ 3 opciones van en una línea, si no en lista.
    - SMS: texto plano transliterado a GSM-7 (ver ``a_gsm7``); ``transliterar=False`` deja
      los acentos (solo para medir: ver ``python -m channels.medir_sms``).
    - Cada cuerpo ≤ 1600 caracteres y como mucho 3 cuerpos (ver ``partir``).
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


def texto_sistema(texto: str, medio: str) -> str:
    """Texto fijo del canal (avisos de media, vacío...) adaptado al medio."""
    return a_gsm7(texto) if medio == MEDIO_SMS else texto


def segmentos_totales(cuerpos: Iterable[str]) -> int:
    """Suma de segmentos SMS de varios cuerpos."""
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
    "segmentos_sms",
    "segmentos_totales",
    "texto_sistema",
]


# A promoter's reply, as the person reads it on any channel.
FORMATO = "Respuesta de tu Ventanilla de Salud (caso {ticket}): {texto}"


def texto_respuesta_promotor(ticket: Any, texto: str) -> str:
    """A promoter's reply as the person reads it (next message or Twilio send)."""
    return FORMATO.format(ticket=ticket, texto=texto.strip())
