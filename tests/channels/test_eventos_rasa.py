"""bot.analitica on the exact event dicts Rasa's tracker store streams to an event broker."""

import asyncio

from bot.analitica import Analizador


def correr(a, eventos):
    out = []
    for e in eventos:
        out.extend(a.procesar(e))
    return out


def test_eventos_reales_de_rasa_via_tracker_store():
    """The exact dicts Rasa's tracker store streams to a broker (TrackerStore.stream_events)."""
    from rasa.core.brokers.broker import EventBroker
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    class Colector(EventBroker):
        def __init__(self):
            self.eventos = []

        def publish(self, event):
            self.eventos.append(event)

    broker = Colector()
    store = InMemoryTrackerStore(Domain.empty(), event_broker=broker)
    tracker = DialogueStateTracker.from_events(
        "tw-abc",
        [
            ActionExecuted("action_listen"),
            UserUttered(
                "¿me ayudan con mi pasaporte? 312 555 1234",
                {"name": "nlu_fallback", "confidence": 0.41},
                input_channel="twilio_orienta",
                metadata={"canal": "whatsapp", "telefono": "+13125551234"},
            ),
            ActionExecuted("action_fallback"),
            ActionExecuted("action_listen"),
            UserUttered(
                "me quiero inscribir",
                {"name": "inscribirme", "confidence": 0.99},
                input_channel="twilio_orienta",
                metadata={"canal": "whatsapp"},
            ),
            ActionExecuted("registro_form"),
            ActiveLoop("registro_form"),
            ActionExecuted("action_listen"),
            SlotSet("folio", "PTI-1"),
        ],
    )
    asyncio.run(store.save(tracker))
    out = correr(Analizador(), broker.eventos)
    # The form opens before the turn that opened it ends: started comes before that message.
    assert [r["tipo"] for r in out] == [
        "mensaje",
        "registro_iniciado",
        "mensaje",
        "registro_enviado",
    ]
    assert out[0]["canal"] == "whatsapp" and out[0]["fallback"] is True
    assert out[0]["texto"] == "¿me ayudan con mi pasaporte? [número]"
    assert "+1312" not in repr(out) and "tw-abc" not in repr(out)
