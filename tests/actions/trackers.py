"""Small builders for rasa-sdk trackers, so each test states only the events that matter."""

from rasa_sdk import Tracker


def user(text: str, intent: str, ranking: list[tuple[str, float]] | None = None) -> dict:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [])],
        "entities": [],
    }
    return {"event": "user", "text": text, "parse_data": parse}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def tracker(events: list[dict], slots: dict | None = None) -> Tracker:
    users = [e for e in events if e["event"] == "user"]
    latest = users[-1]["parse_data"] if users else {}
    return Tracker("prueba", slots or {}, latest, events, False, None, None, None)
