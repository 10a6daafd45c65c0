"""Anonymous usage metrics from Rasa's event stream (pure: no I/O, no Rasa imports).

``Analizador`` turns the event dicts that Rasa's event brokers publish (one per tracker event,
``{"sender_id": ..., **event.as_dict()}``, in order, when the tracker is saved after each turn)
into small records for the enrollment service's ``POST /v1/metricas``:

* never the raw sender id (for SMS it derives from a phone number): a truncated SHA-256;
* never the metadata (Twilio's carries the phone number): only the channel label;
* message text only for turns the assistant could not answer, masked by ``redactar``;
  never while a form is active, because that is where people type their CURP, e-mail or income.

``minimizar`` cuts an event down to what ``Analizador`` reads before it leaves the Rasa process
(``channels/broker_minimo.py``, the RabbitMQ broker of the production configuration): hashed
conversation id, channel label, event type, time, intent and confidence, action and form names,
the ``consulado`` and ``folio`` slots only, and a user text only when NLU itself said fallback,
already masked. Everything else (texts, other slots, metadata, bot messages) never reaches the
queue. ``Analizador`` gives the same records for the minimised stream as for the full one (minus
the texts of fallbacks decided later by the policies).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.canales import canal_de_evento
from bot.texto import sin_caracteres_de_control
from bot.tiempo import ahora_utc

MAX_TEXTO = 300

# Actions that mean "I did not understand" (config.yml: core_fallback_action_name, rules).
ACCIONES_FALLBACK = frozenset({"action_fallback", "action_default_fallback"})
INTENT_FALLBACK = "nlu_fallback"
ACCION_ESCUCHAR = "action_listen"
FORMULARIO_REGISTRO = "registro_form"


# ------------------------------------------------------------------ redaction
# Order matters: links and e-mails first (they contain digits and letters the later rules would
# half-mask), then identifiers, amounts, names and finally any remaining long number.
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_CORREO = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A CURP is 4 letters + 6 digits (birth date) + 8 more; a mistyped or partial one (the RFC shares
# the first 10 characters) is still a personal identifier, so 4 letters + 6 digits is enough.
# A different rule from reading a CURP (bot.validacion.extraer_curp, which accepts only a valid
# one): masking must also hide what is not a valid CURP, so it keeps this broader pattern.
_CURP = re.compile(r"(?i)\b[a-zñ]{4}\d{6}[a-z0-9]{0,8}\b")
_MONEDA = r"(?:d[oó]lares?|dlls?|usd|pesos?|mxn|cad|euros?|libras?)"
_MONTO = re.compile(
    rf"(?i)(?:(?:us|mx|c)?\$\s?\d[\d,.']*(?:\s?mil\b)?(?:\s?{_MONEDA}\b)?"
    rf"|\b\d[\d,.']*\s?(?:mil\b(?:\s?{_MONEDA}\b)?|{_MONEDA}\b))"
)
# "me llamo juan pérez" / "mi nombre es ...": the next words are a name whatever their case;
# after "soy" only capitalised words ("soy Juan", not "soy de Jalisco").
_NO_NOMBRE = r"(?!(?:y|e|quiero|necesito|tengo|vivo|soy|busco|me|mi|para|por|en|con)\b)"
_NOMBRE = re.compile(
    rf"(?i)\b(me llamo|mi nombre es|mi nombre:)\s+{_NO_NOMBRE}([a-záéíóúüñ'-]+"
    rf"(?:\s+{_NO_NOMBRE}[a-záéíóúüñ'-]+){{0,5}})"
)
_SOY = re.compile(
    r"\b([Ss]oy)\s+([A-ZÁÉÍÓÚÑ][a-záéíóúüñ'-]+(?:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúüñ'-]+){0,3})"
)
# Phones, NSS, postal codes, dates: any run of digits and separators with at least 4 digits.
_NUMERO = re.compile(r"\+?\(?\d[\d\s().\-/]*\d\)?")
_ESPACIOS = re.compile(r"\s+")


def _numero(match: re.Match) -> str:
    texto = match.group(0)
    if sum(c.isdigit() for c in texto) < 4:
        return texto
    # Keep a trailing space the greedy separator class may have swallowed.
    return "[número]" + (" " if texto[-1].isspace() else "")


def redactar(texto: Any) -> str:
    """Mask personal data in a free-text message and cut it to 300 characters."""
    if not isinstance(texto, str):
        return ""
    t = sin_caracteres_de_control(texto)
    t = _URL.sub("[enlace]", t)
    t = _CORREO.sub("[correo]", t)
    t = _CURP.sub("[CURP]", t)
    t = _MONTO.sub("[monto]", t)
    t = _NOMBRE.sub(lambda m: f"{m.group(1)} [nombre]", t)
    t = _SOY.sub(lambda m: f"{m.group(1)} [nombre]", t)
    t = _NUMERO.sub(_numero, t)
    t = _ESPACIOS.sub(" ", t).strip()
    if len(t) > MAX_TEXTO:
        t = t[: MAX_TEXTO - 1].rstrip() + "…"
    return t


def conversacion_id(sender_id: Any) -> str:
    """Stable, non-reversible conversation key (32 hex characters)."""
    return hashlib.sha256(str(sender_id).encode("utf-8", "surrogatepass")).hexdigest()[:32]


INTENT_BASE = "faq"


def _clave_de_respuesta(parse: dict) -> str | None:
    selector = (parse.get("response_selector") or {}).get(INTENT_BASE) or {}
    clave = (selector.get("response") or {}).get("intent_response_key")
    return clave if isinstance(clave, str) else None


def _instante(evento: dict) -> datetime:
    ts = evento.get("timestamp")
    try:
        if isinstance(ts, (int, float)) and not isinstance(ts, bool):
            return datetime.fromtimestamp(float(ts), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        pass
    return ahora_utc()


def _canal(evento: dict) -> str:
    """The channel label: computed by ``minimizar`` already, or from the full event."""
    if evento.get(MINIMIZADO) and isinstance(evento.get("canal"), str):
        return evento["canal"]
    return canal_de_evento(evento)


def _texto_corto(valor: Any, limite: int) -> str | None:
    if not isinstance(valor, str):
        return None
    valor = valor.strip()
    return valor[:limite] or None


# ------------------------------------------------------------------ minimised events
#: Marks an event cut down by ``minimizar``: its ``sender_id`` is already ``conversacion_id``
#: and its ``canal`` already the label.
MINIMIZADO = "orienta_minimo"
#: The only slots whose values the metrics need (not personal: a consulate, a folio).
SLOTS_METRICAS = frozenset({"consulado", "folio"})
_TIPOS_METRICAS = frozenset({"user", "action", "active_loop", "slot", "restart", "session_started"})


def minimizar(evento: Any) -> dict | None:
    """What the metrics need of one Rasa event, or None if they need nothing of it."""
    if not isinstance(evento, dict):
        return None
    sender, tipo = evento.get("sender_id"), evento.get("event")
    if not isinstance(sender, str) or not sender or tipo not in _TIPOS_METRICAS:
        return None
    minimo: dict[str, Any] = {
        MINIMIZADO: True,
        "event": tipo,
        "sender_id": conversacion_id(sender),
        "canal": canal_de_evento(evento),
        "timestamp": evento.get("timestamp"),
    }
    if tipo == "user":
        crudo = evento.get("parse_data")
        parse: dict[str, Any] = crudo if isinstance(crudo, dict) else {}
        intent_crudo = parse.get("intent")
        intent: dict[str, Any] = intent_crudo if isinstance(intent_crudo, dict) else {}
        nombre = intent.get("name")
        minimo["parse_data"] = {
            "intent": {"name": nombre, "confidence": intent.get("confidence")},
            "response_selector": {
                INTENT_BASE: {"response": {"intent_response_key": _clave_de_respuesta(parse)}}
            },
        }
        if nombre == INTENT_FALLBACK:
            minimo["text"] = redactar(evento.get("text")) or None
    elif tipo in ("action", "active_loop"):
        minimo["name"] = evento.get("name")
    elif tipo == "slot":
        if evento.get("name") not in SLOTS_METRICAS:
            return None
        minimo["name"], minimo["value"] = evento.get("name"), evento.get("value")
    return minimo


# ------------------------------------------------------------------ analyser
@dataclass
class _Turno:
    en: datetime
    canal: str
    intent: str | None
    confianza: float | None
    en_formulario: bool
    texto: str | None  # already masked; None inside a form
    accion_fallback: bool = False


@dataclass
class _Conversacion:
    conversacion: str
    canal: str | None = None
    formulario: str | None = None
    turno: _Turno | None = None
    iniciado: bool = False
    consulado: str | None = None


class Analizador:
    """Per-sender state machine over Rasa events; ``procesar`` returns records to send.

    A user message becomes a record when its turn ends (the next ``action_listen``), because only
    then do we know whether the answer was a fallback. State is kept for the ``max_conversaciones``
    most recently active senders (LRU), so memory stays bounded on a long-running server.
    """

    def __init__(self, max_conversaciones: int = 10_000) -> None:
        self.max_conversaciones = max_conversaciones
        self._estado: OrderedDict[str, _Conversacion] = OrderedDict()

    def __len__(self) -> int:
        return len(self._estado)

    def procesar(self, evento: Any) -> list[dict]:
        try:
            return self._procesar(evento)
        except Exception:  # noqa: BLE001 - metrics must never break the assistant
            return []

    # -------------------------------------------------------------- internals
    def _conversacion(self, sender: str, anonimo: bool = False) -> _Conversacion:
        estado = self._estado.get(sender)
        if estado is None:
            estado = _Conversacion(sender if anonimo else conversacion_id(sender))
            self._estado[sender] = estado
            while len(self._estado) > self.max_conversaciones:
                self._estado.popitem(last=False)
        else:
            self._estado.move_to_end(sender)
        return estado

    def _procesar(self, evento: Any) -> list[dict]:
        if not isinstance(evento, dict):
            return []
        sender, tipo = evento.get("sender_id"), evento.get("event")
        if not isinstance(sender, str) or not sender or not isinstance(tipo, str):
            return []
        conv = self._conversacion(sender, bool(evento.get(MINIMIZADO)))
        salida: list[dict] = []
        if tipo == "user":
            # A turn that never reached action_listen (restart, crash) still counts.
            self._cerrar_turno(conv, salida)
            conv.canal = _canal(evento)
            conv.turno = self._turno(evento, conv)
        elif tipo == "action":
            nombre = evento.get("name")
            if nombre == ACCION_ESCUCHAR:
                self._cerrar_turno(conv, salida)
            elif nombre in ACCIONES_FALLBACK and conv.turno is not None:
                conv.turno.accion_fallback = True
        elif tipo == "active_loop":
            nombre = evento.get("name")
            conv.formulario = nombre if isinstance(nombre, str) and nombre else None
            if conv.formulario == FORMULARIO_REGISTRO and not conv.iniciado:
                conv.iniciado = True
                salida.append(
                    {
                        "tipo": "registro_iniciado",
                        "conversacion": conv.conversacion,
                        "canal": conv.canal or _canal(evento),
                        "en": _instante(evento).isoformat(),
                        # Known if the person asked for the nearest desk before registering.
                        "consulado": conv.consulado,
                    }
                )
        elif tipo == "slot":
            self._slot(evento, conv, salida)
        elif tipo in ("restart", "session_started"):
            conv.formulario = None
        return salida

    @staticmethod
    def _turno(evento: dict, conv: _Conversacion) -> _Turno:
        parse = evento.get("parse_data")
        intent = parse.get("intent") if isinstance(parse, dict) else None
        nombre = _texto_corto(intent.get("name"), 80) if isinstance(intent, dict) else None
        if nombre == INTENT_BASE and isinstance(parse, dict):
            # The knowledge base's entry, "faq/<id>", so the statistics count answers, not "faq".
            nombre = _texto_corto(_clave_de_respuesta(parse), 80) or nombre
        confianza = intent.get("confidence") if isinstance(intent, dict) else None
        if isinstance(confianza, (int, float)) and not isinstance(confianza, bool):
            confianza = min(max(float(confianza), 0.0), 1.0)
        else:
            confianza = None
        en_formulario = conv.formulario is not None
        # Mask right away: the raw text is never held, and inside a form not even masked.
        texto = None if en_formulario else (redactar(evento.get("text")) or None)
        return _Turno(
            _instante(evento), conv.canal or "otro", nombre, confianza, en_formulario, texto
        )

    @staticmethod
    def _cerrar_turno(conv: _Conversacion, salida: list[dict]) -> None:
        turno, conv.turno = conv.turno, None
        if turno is None:
            return
        fallback = not turno.en_formulario and (
            turno.accion_fallback or turno.intent == INTENT_FALLBACK
        )
        salida.append(
            {
                "tipo": "mensaje",
                "en": turno.en.isoformat(),
                "canal": turno.canal,
                "conversacion": conv.conversacion,
                "intent": turno.intent,
                "confianza": turno.confianza,
                "fallback": fallback,
                "texto": turno.texto if fallback else None,
            }
        )

    @staticmethod
    def _slot(evento: dict, conv: _Conversacion, salida: list[dict]) -> None:
        nombre = evento.get("name")
        if nombre == "consulado":
            consulado = _texto_corto(evento.get("value"), 120)
            if consulado:
                conv.consulado = consulado
                salida.append(
                    {
                        "tipo": "consulado",
                        "conversacion": conv.conversacion,
                        "consulado": consulado,
                        "en": _instante(evento).isoformat(),
                    }
                )
        elif nombre == "folio":
            folio = _texto_corto(evento.get("value"), 20)
            if folio:
                salida.append(
                    {
                        "tipo": "registro_enviado",
                        "conversacion": conv.conversacion,
                        "folio": folio,
                        "canal": conv.canal or _canal(evento),
                        "en": _instante(evento).isoformat(),
                    }
                )
