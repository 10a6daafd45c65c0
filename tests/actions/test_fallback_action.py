from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback, fallos_seguidos
from bot import temas
from tests.actions.trackers import action, tracker, user

RANKING = [("nlu_fallback", 0.5), ("faq", 0.4), ("saludo", 0.3)]
# The ResponseSelector's ranking of knowledge-base entries for the same message.
ENTRADAS = [
    ("faq/pago_cuanto_cuesta", 0.4),
    ("faq/pago_desde_eeuu", 0.2),
    ("faq/afore_reactivar_con_pti", 0.1),
    ("faq/tramite_rfc", 0.05),
]


async def run(events):
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker(events), {})
    return dispatcher.messages


async def test_first_fallback_asks_to_rephrase_with_topic_suggestions():
    messages = await run([user("cuanto sale el coso ese", "nlu_fallback", RANKING, ENTRADAS)])
    assert [m["response"] for m in messages] == ["utter_fallback_reformular"]
    titulos = [b["title"] for b in messages[0]["buttons"]]
    assert titulos == ["Cuánto cuesta", "Cómo pagar desde EE. UU.", "Reactivar mi AFORE con PTI"]
    # A button sends the entry's own first question, which the model answers with that entry.
    assert messages[0]["buttons"][0]["payload"] == temas.pregunta_de("pago_cuanto_cuesta")


async def test_second_fallback_in_a_row_offers_a_promoter():
    events = [
        user("xyz abc", "nlu_fallback", RANKING),
        action("action_fallback"),
        action("action_listen"),
        user("no se ni q", "nlu_fallback", RANKING),
    ]
    messages = await run(events)
    assert [m["response"] for m in messages] == ["utter_fallback_promotor"]


async def test_fallback_after_an_understood_message_starts_over():
    events = [
        user("xyz", "nlu_fallback"),
        action("action_fallback"),
        user("requisitos", "requisitos"),
        action("utter_requisitos"),
        user("blablabla", "nlu_fallback", RANKING),
    ]
    assert fallos_seguidos(tracker(events)) == 1
    assert [m["response"] for m in await run(events)] == ["utter_fallback_reformular"]


async def test_emoji_only_message_gets_the_out_of_scope_answer():
    messages = await run([user("😂😂👍", "nlu_fallback")])
    assert [m["response"] for m in messages] == ["utter_fuera_de_alcance"]
