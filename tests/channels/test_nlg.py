"""channels/nlg.py: the service's answers, the seed when it is down, the cache and its
invalidation on publish (a fake service on an httpx MockTransport)."""

from __future__ import annotations

import httpx
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import conocimiento as kb
from bot import temas
from bot.tiempo import ahora_utc, dia_en_mexico
from channels.nlg import GeneradorContenido

ENTRADA = "afore_que_es"
CORTA = f"utter_faq/{ENTRADA}"
SEMILLA = "Texto del repositorio.\nFuente: IMSS."
DOMINIO = Domain.from_dict(
    {
        "slots": {"folio": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {
            CORTA: [{"text": SEMILLA}],
            "utter_saludo": [{"text": "Hola, tu folio es {folio}."}],
        },
    }
)


class Servicio:
    """A fake /v1/nlg: counts the requests, can be down, publishes a new text."""

    def __init__(self):
        self.texto, self.version, self.caido = "Texto publicado {folio}.", "1-2026-12-02", False
        self.peticiones: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.peticiones.append(request)
        if self.caido:
            raise httpx.ConnectError("caído", request=request)
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"version": self.version})
        return httpx.Response(
            200,
            json={"text": self.texto, "buttons": [], "custom": {}},
            headers={"X-Contenido-Version": self.version},
        )

    def publicar(self, texto: str) -> None:
        n = int(self.version.split("-")[0]) + 1
        self.texto, self.version = texto, f"{n}-2026-12-02"

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.peticiones if r.method == "POST"]


class Reloj:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def servicio():
    return Servicio()


@pytest.fixture
def reloj():
    return Reloj()


@pytest.fixture
def nlg(servicio, reloj):
    return GeneradorContenido(None, DOMINIO, transport=httpx.MockTransport(servicio), reloj=reloj)


def tracker(folio="OR-123"):
    t = DialogueStateTracker.from_dict("persona", [], DOMINIO.slots)
    t.slots["folio"].value = folio
    return t


async def test_a_knowledge_base_answer_comes_from_the_service_with_slots_filled(nlg, servicio):
    r = await nlg.generate(CORTA, tracker(), "rest", domain_responses=DOMINIO.responses)
    assert r["text"] == "Texto publicado OR-123."
    (post,) = servicio.posts()
    cuerpo = post.content
    assert b'"response":"utter_faq/afore_que_es"' in cuerpo.replace(b" ", b"")
    assert b"persona" not in cuerpo  # the tracker (ids, texts) never leaves Rasa


async def test_other_responses_never_hop(nlg, servicio):
    r = await nlg.generate("utter_saludo", tracker(), "rest")
    assert r["text"] == "Hola, tu folio es OR-123." and servicio.peticiones == []


async def test_service_down_gives_the_seed_and_the_detail_from_the_repository(nlg, servicio):
    servicio.caido = True
    assert (await nlg.generate(CORTA, tracker(), "rest"))["text"] == SEMILLA
    detalle = await nlg.generate(f"utter_faq_detalle_{ENTRADA}", tracker(), "rest")
    e = temas.entradas()[ENTRADA]
    assert detalle["text"] == kb.texto_detalle(e, kb.valores_del_anio(dia_en_mexico(ahora_utc())))


async def test_a_wrong_answer_from_the_service_gives_the_seed(reloj):
    def roto(request):
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"version": "1"})
        return httpx.Response(500, json={"detail": []})

    nlg = GeneradorContenido(None, DOMINIO, transport=httpx.MockTransport(roto), reloj=reloj)
    assert (await nlg.generate(CORTA, tracker(), "rest"))["text"] == SEMILLA


async def test_the_cache_serves_without_a_hop_until_a_publish(nlg, servicio, reloj):
    await nlg.generate(CORTA, tracker(), "rest")
    await nlg.generate(CORTA, tracker(), "rest")
    assert len(servicio.posts()) == 1 and len(servicio.peticiones) == 2  # one version check
    servicio.publicar("Texto corregido.")
    assert (await nlg.generate(CORTA, tracker(), "rest"))["text"] == "Texto publicado OR-123."
    reloj.t += 5  # past the version's TTL: the publish is seen, the cache dropped
    assert (await nlg.generate(CORTA, tracker(), "rest"))["text"] == "Texto corregido."
    assert len(servicio.posts()) == 2


async def test_after_a_failure_the_seed_is_used_without_waiting_then_the_service_again(
    nlg, servicio, reloj
):
    servicio.caido = True
    await nlg.generate(CORTA, tracker(), "rest")
    pedidas = len(servicio.peticiones)
    servicio.caido = False
    assert (await nlg.generate(CORTA, tracker(), "rest"))["text"] == SEMILLA
    assert len(servicio.peticiones) == pedidas  # no timeout paid on every turn
    reloj.t += 60
    assert (await nlg.generate(CORTA, tracker(), "rest"))["text"] == "Texto publicado OR-123."


def test_rasa_loads_it_from_the_endpoints_file():
    from rasa.core.nlg.generator import NaturalLanguageGenerator
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(
        url="http://servicio.test/v1/nlg", type="channels.nlg.GeneradorContenido"
    )
    nlg = NaturalLanguageGenerator.create(config, DOMINIO)
    assert isinstance(nlg, GeneradorContenido) and nlg.url == "http://servicio.test/v1/nlg"


def test_without_an_url_it_asks_the_service_of_orienta_service_url(monkeypatch):
    from channels.nlg import url_del_servicio

    monkeypatch.setenv("ORIENTA_SERVICE_URL", "http://127.0.0.1:5780/")
    assert url_del_servicio(None) == "http://127.0.0.1:5780/v1/nlg"
    assert url_del_servicio("http://web:8000/v1/nlg/") == "http://web:8000/v1/nlg"


async def test_a_cached_answer_never_carries_another_persons_slots(servicio, reloj):
    def con_botones(request):
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"version": "1"})
        boton = {"title": "Mi folio {folio}", "payload": "/consultar"}
        return httpx.Response(200, json={"text": "Tu folio: {folio}", "buttons": [boton]})

    nlg = GeneradorContenido(None, DOMINIO, transport=httpx.MockTransport(con_botones), reloj=reloj)
    uno = await nlg.generate(CORTA, tracker("OR-111"), "rest")
    dos = await nlg.generate(CORTA, tracker("OR-222"), "rest")
    assert uno["buttons"][0]["title"] == "Mi folio OR-111"
    assert dos["buttons"][0]["title"] == "Mi folio OR-222" and dos["text"] == "Tu folio: OR-222"


async def test_the_response_selector_asks_with_the_full_retrieval_name(nlg, servicio):
    """Rasa 3.6's ActionRetrieveResponse hands the NLG ``utter_faq/<id>``, not ``utter_faq``."""
    from rasa.core.actions.action import ActionRetrieveResponse
    from rasa.core.channels import CollectingOutputChannel
    from rasa.shared.core.events import UserUttered

    dominio = Domain.from_dict({"intents": ["faq"], "responses": {CORTA: [{"text": SEMILLA}]}})
    t = tracker()
    seleccion = {"utter_action": CORTA, "intent_response_key": f"faq/{ENTRADA}"}
    t.update(
        UserUttered(
            "que es la afore",
            intent={"name": "faq", "confidence": 0.9},
            parse_data={"response_selector": {"faq": {"response": seleccion, "ranking": []}}},
        )
    )
    salida = CollectingOutputChannel()
    eventos = await ActionRetrieveResponse("utter_faq").run(salida, nlg, t, dominio)
    assert eventos and eventos[0].text == "Texto publicado OR-123."
    (post,) = servicio.posts()
    assert f'"response":"{CORTA}"' in post.content.decode().replace(" ", "")


def test_rasa_gives_it_the_models_domain_when_it_loads_the_model():
    """Agent.load_model sets ``responses`` only on a TemplatedNaturalLanguageGenerator: ours is
    one, so the seed has the model's responses (created first with an empty domain)."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    nlg = GeneradorContenido(None, None)
    assert isinstance(nlg, TemplatedNaturalLanguageGenerator) and nlg.responses == {}
