"""Small builders for rasa-sdk trackers, so each test states only the events that matter."""

from rasa_sdk import Tracker


def seleccion(claves: list[tuple[str, float]]) -> dict:
    """What Rasa's ResponseSelector adds to a parsed message: its pick and ranking of entries."""
    ranking = [{"intent_response_key": k, "confidence": c} for k, c in claves]
    return {"faq": {"response": dict(ranking[0]) if ranking else {}, "ranking": ranking}}


def user(
    text: str,
    intent: str,
    ranking: list[tuple[str, float]] | None = None,
    entradas: list[tuple[str, float]] | None = None,
) -> dict:
    """A user event. ``intent`` may be a knowledge-base entry, ``faq/<id>``: then the intent is
    ``faq`` and the ResponseSelector picked that entry (as Rasa reports it)."""
    nombre, seleccionada = ("faq", intent) if intent.startswith("faq/") else (intent, None)
    parse = {
        "text": text,
        "intent": {"name": nombre, "confidence": 1.0},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [])],
        "entities": [],
    }
    if seleccionada or entradas:
        parse["response_selector"] = seleccion(entradas or [(seleccionada, 0.9)])
    return {"event": "user", "text": text, "parse_data": parse}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def tracker(events: list[dict], slots: dict | None = None) -> Tracker:
    users = [e for e in events if e["event"] == "user"]
    latest = users[-1]["parse_data"] if users else {}
    return Tracker("prueba", slots or {}, latest, events, False, None, None, None)


def en_formulario(
    form: str,
    requested: str | None,
    text: str,
    intent: str = "nlu_fallback",
    slots: dict | None = None,
    confidence: float = 1.0,
    metadata: dict | None = None,
) -> Tracker:
    """A tracker whose form `form` asked for `requested` and the user just answered `text`.

    Like Rasa's form, the answer is the latest slot candidate (from_text mapping). With
    `requested=None` it is the message that activated the form.
    """
    es_faq = isinstance(intent, str) and intent.startswith("faq/")
    nombre, seleccionada = ("faq", intent) if es_faq else (intent, None)
    parse = {
        "text": text,
        "intent": {"name": nombre, "confidence": confidence},
        "intent_ranking": [{"name": nombre, "confidence": confidence}],
        "entities": [],
        "metadata": metadata or {},
    }
    if seleccionada:
        parse["response_selector"] = seleccion([(seleccionada, confidence)])
    valores = dict(slots or {})
    events = [action(form), {"event": "user", "text": text, "parse_data": parse}]
    if requested is not None:
        valores["requested_slot"] = requested
        valores[requested] = text
        events.append({"event": "slot", "name": requested, "value": text})
    loop = {"name": form} if requested is not None else {}
    return Tracker("prueba", valores, parse, events, False, None, loop, "action_listen")


def slots(events: list[dict]) -> dict:
    """The slot values an action's events set."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: list[dict]) -> list:
    """The response names a dispatcher sent."""
    return [m.get("response") for m in messages]
