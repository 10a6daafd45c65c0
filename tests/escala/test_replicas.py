"""The production configuration against the real servers of this machine: two Rasa replicas
sharing the PostgreSQL tracker store (encrypted), the Redis lock store and the RabbitMQ event
broker (deploy/endpoints.prod.yml), the enrollment service on PostgreSQL and the metrics consumer.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from scripts.bench_registro import EMAIL, NOMBRE, curp_valida, folio_en, turnos_registro
from scripts.stack_prod import iniciar_pila_prod, say

pytestmark = [pytest.mark.e2e, pytest.mark.model, pytest.mark.escala]

_curps = (curp_valida(n) for n in itertools.count(3000, 41))


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    s = iniciar_pila_prod(tmp_path_factory.mktemp("prod"))
    try:
        yield s
    finally:
        s.stop()


def sender() -> str:
    return f"escala-{uuid.uuid4().hex[:10]}"


def query(url: str, sql: str, **params) -> list:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def tracker(prod, conversation: str):
    """The conversation as Rasa sees it (decrypted), read straight from the shared store."""
    from rasa.shared.core.domain import Domain

    from channels.almacen import SQLTrackerStoreSeguro

    # The store reads its key from the environment; put it back afterwards, or later tests
    # that check a missing key would find this one.
    anterior = os.environ.get("ORIENTA_TRACKER_KEY")
    os.environ["ORIENTA_TRACKER_KEY"] = prod.env["ORIENTA_TRACKER_KEY"]
    store = SQLTrackerStoreSeguro(
        domain=Domain.load("domain.yml"),
        dialect="postgresql",
        host="127.0.0.1",
        db=prod.tracker_db,
        username="postgres",
    )
    try:
        return asyncio.run(store.retrieve_full_tracker(conversation))
    finally:
        store.engine.dispose()
        if anterior is None:
            os.environ.pop("ORIENTA_TRACKER_KEY", None)
        else:
            os.environ["ORIENTA_TRACKER_KEY"] = anterior


def registrar(prod, conv: str, curp: str, replica_de_turno) -> list[list[str]]:
    return [
        say(prod.rest_url(replica_de_turno(i)), conv, t)
        for i, t in enumerate(turnos_registro(curp))
    ]


# ------------------------------------------------------------------ two replicas
def test_a_form_alternating_between_replicas_completes_once(prod):
    conv, curp = sender(), next(_curps)
    respuestas = registrar(prod, conv, curp, lambda i: i % 2)
    folio = folio_en(respuestas[-1])
    assert folio, respuestas
    filas = query(prod.service_database_url, "SELECT folio FROM registros WHERE curp = :c", c=curp)
    assert [f[0] for f in filas] == [folio]


def test_concurrent_messages_for_one_sender_are_serialized(prod):
    conv = sender()
    mensajes = ["hola", "cuanto cuesta", "que cubre", "quien puede", "como pago", "gracias"]
    with ThreadPoolExecutor(len(mensajes)) as pool:
        respuestas = list(
            pool.map(lambda im: say(prod.rest_url(im[0] % 2), conv, im[1]), enumerate(mensajes))
        )
    assert all(respuestas), respuestas  # every message answered, none dropped
    eventos = [e.as_dict() for e in tracker(prod, conv).events]
    usuarios = [e for e in eventos if e["event"] == "user"]
    assert sorted(e["text"] for e in usuarios) == sorted(mensajes)
    # Serialized: each user message is followed by its own turn, closed by action_listen,
    # before the next user message starts.
    abierto = False
    for e in eventos:
        if e["event"] == "user":
            assert not abierto, "two turns interleaved"
            abierto = True
        elif e["event"] == "action" and e["name"] == "action_listen":
            abierto = False


def test_the_shared_tracker_keeps_no_personal_data_in_clear(prod):
    conv, curp = sender(), next(_curps)
    registrar(prod, conv, curp, lambda i: 0)
    filas = query(prod.tracker_database_url, "SELECT data FROM events WHERE sender_id = :s", s=conv)
    crudo = "\n".join(f[0] for f in filas)
    assert filas
    # Long strings only: short ones ("312") can occur by chance inside the base64 ciphertext.
    for dato in (curp, NOMBRE, EMAIL, "+13125551234"):
        assert dato not in crudo, dato
    assert tracker(prod, conv).get_slot("folio")  # Rasa itself reads it back


# ------------------------------------------------------------------ kill -9
def test_a_killed_replica_restarts_and_resumes_the_form(prod):
    conv, curp = sender(), next(_curps)
    turnos = turnos_registro(curp)
    correo = turnos.index(EMAIL)
    for t in turnos[:correo]:  # consent, CURP, confirmation, NSS, name
        say(prod.rest_url(0), conv, t)
    prod.kill_rasa(0)
    pregunta = say(prod.rest_url(1), conv, turnos[correo])  # the other replica goes on: e-mail
    assert pregunta and "teléfono" in " ".join(pregunta).lower(), pregunta
    prod.iniciar_rasa(0)
    respuestas = [say(prod.rest_url(0), conv, t) for t in turnos[correo + 1 :]]
    assert folio_en(respuestas[-1]), respuestas


# ------------------------------------------------------------------ statistics, deletion
def test_events_reach_the_statistics_through_rabbitmq(prod):
    from bot.analitica import conversacion_id

    conv = sender()
    say(prod.rest_url(1), conv, "cuanto cuesta")
    fin = time.monotonic() + 30
    filas = []
    while time.monotonic() < fin and not filas:
        filas = query(
            prod.service_database_url,
            "SELECT canal, intent FROM metricas_mensajes WHERE conversacion = :c",
            c=conversacion_id(conv),
        )
        time.sleep(0.5)
    assert filas == [("rest", "faq/pago_cuanto_cuesta")]


def codigo_del_log(log_dir, folio: str) -> str:
    """The one-time code the service wrote to its log (no Twilio: development only)."""
    lineas = [
        linea
        for ruta in sorted(log_dir.glob("*.log"))
        for linea in ruta.read_text(errors="replace").splitlines()
        if "SOLO DESARROLLO" in linea and f"folio={folio}:" in linea
    ]
    assert lineas, f"no development code for {folio} in {log_dir}"
    return lineas[-1].rsplit(" ", 1)[-1].strip()


def test_erasing_the_registration_erases_the_conversation(prod):
    conv, curp = sender(), next(_curps)
    folio = folio_en(registrar(prod, conv, curp, lambda i: 1)[-1])
    for t in ("quiero borrar mis datos", folio, curp):
        say(prod.rest_url(0), conv, t)
    pide = say(prod.rest_url(1), conv, "si")
    assert any("te mandé un código" in t for t in pide), pide
    final = say(prod.rest_url(0), conv, codigo_del_log(prod.running.log_dir, folio))
    assert any("borré" in t.lower() for t in final), final
    eventos = [e.as_dict() for e in tracker(prod, conv).events]
    textos = [e.get("text") for e in eventos if e["event"] == "user"]
    assert curp not in textos and "quiero inscribirme" not in textos, textos
    assert len(eventos) < 10, eventos


# ------------------------------------------------------------------ handoff (issue 17)
def test_a_handoff_across_both_replicas_keeps_one_thread_and_delivers_the_reply(prod):
    """The person writes to either replica while a promoter has the conversation: the bot stays
    quiet, each message is stored once (a redelivery with the same id too), and the promoter's
    reply arrives with the next message, whichever replica takes it."""
    import httpx

    conv = sender()
    abierta = say(prod.rest_url(0), conv, "/pedir_humano")
    ticket = next(int(t.split("solicitud ")[1].split(")")[0]) for t in abierta if "solicitud " in t)

    def escribir(replica: int, texto: str, id_mensaje: str) -> list[str]:
        r = httpx.post(
            prod.rest_url(replica),
            json={"sender": conv, "message": texto, "message_id": id_mensaje},
            timeout=60,
        )
        r.raise_for_status()
        return [m.get("text") or "" for m in r.json()]

    primero = escribir(1, "tengo una duda con mi pago", "m-1")
    assert any("promotora" in t for t in primero), primero  # the acknowledgement, once
    assert escribir(0, "es para mi mamá", "m-2") == []  # no bot answer while she has it
    assert escribir(1, "es para mi mamá", "m-2") == []  # a redelivery on the other replica
    filas = query(
        prod.service_database_url,
        "SELECT texto FROM respuestas_canalizacion "
        "WHERE canalizacion_id = :t AND autor = 'persona' ORDER BY id",
        t=ticket,
    )
    assert [f[0] for f in filas] == ["tengo una duda con mi pago", "es para mi mamá"]

    cierre = httpx.post(
        f"{prod.service_url}/v1/canalizaciones/{ticket}/cerrar",
        json={"respuesta": "Hola, soy Ana de la ventanilla: tu pago es con la línea del IMSS."},
        headers={"X-API-Key": prod.env["ORIENTA_ADMIN_API_KEY"]},
        timeout=30,
    )
    assert cierre.status_code == 200, cierre.text
    despues = say(prod.rest_url(0), conv, "hola")
    assert any("soy Ana de la ventanilla" in t for t in despues), despues
    assert len(despues) > 1  # and the bot answers again: the conversation is back with it
