"""Preguntar: the promoter types a migrant's question and sees exactly what the assistant answers.

The question goes to Rasa's REST channel like any chat message, in a fresh conversation per
question (sender ``consola-<n>-<random>``) so one promoter's questions never mix with another's
and the statistics can tell them apart from real conversations.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

import httpx

from bot import canales

log = logging.getLogger("orienta.consola")

MAX_PREGUNTA = 500
SIN_RESPUESTA = (
    "El asistente no respondió. Revisa que Orienta esté en marcha (make run) e intenta de nuevo."
)


@dataclass(frozen=True)
class Respuesta:
    textos: list[str] = field(default_factory=list)
    opciones: list[str] = field(default_factory=list)  # button titles the person would see
    error: str | None = None


def remitente(promotor_id: int) -> str:
    return f"{canales.PREFIJO_CONSOLA}{promotor_id}-{secrets.token_hex(6)}"


def _leer(mensajes: list) -> Respuesta:
    textos, opciones = [], []
    for msg in mensajes if isinstance(mensajes, list) else []:
        if not isinstance(msg, dict):
            continue
        if isinstance(msg.get("text"), str) and msg["text"].strip():
            textos.append(msg["text"].strip())
        for boton in msg.get("buttons") or []:
            if isinstance(boton, dict) and isinstance(boton.get("title"), str):
                opciones.append(boton["title"])
    if not textos:
        return Respuesta(error=SIN_RESPUESTA)
    return Respuesta(textos, opciones)


def preguntar(
    rasa_url: str,
    promotor_id: int,
    pregunta: str,
    timeout: float = 15.0,
    direccion: str | None = None,
) -> Respuesta:
    """The assistant's answer to ``pregunta``, in a fresh conversation. ``direccion``: the
    promoter's address, sent as ``X-Forwarded-For`` so Rasa's per-address rate limits count each
    consulate, not the web app (Rasa believes it only if the web app is one of its
    ``ORIENTA_PROXIES_CONFIABLES``)."""
    pregunta = " ".join((pregunta or "").split())
    if not pregunta:
        return Respuesta(error="Escribe la pregunta de la persona.")
    if len(pregunta) > MAX_PREGUNTA:
        return Respuesta(error=f"La pregunta es muy larga (máximo {MAX_PREGUNTA} caracteres).")
    url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    body = {"sender": remitente(promotor_id), "message": pregunta}
    try:
        cabeceras = {"X-Forwarded-For": direccion} if direccion else {}
        r = httpx.post(url, json=body, timeout=timeout, headers=cabeceras)
        r.raise_for_status()
        return _leer(r.json())
    except (httpx.HTTPError, ValueError) as error:
        log.warning("preguntar: Rasa no respondió (%s)", type(error).__name__)
        return Respuesta(error=SIN_RESPUESTA)
