"""Tracker stores that protect personal data: encryption at rest and conversation deletion.

SQL store on SQLite always and on PostgreSQL when it answers (a throwaway database)."""

from __future__ import annotations

import json
import secrets
import time

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels import almacen

CURP = "HEGG560427MVZRRL04"
DOMINIO = Domain.from_yaml(
    """
version: "3.1"
intents: [saludo]
slots:
  curp:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
  conversacion_borrada:
    type: bool
    influence_conversation: false
    mappings: [{type: custom}]
  conversaciones_borradas:
    type: list
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


@pytest.fixture
def clave(monkeypatch):
    k = Fernet.generate_key().decode()
    monkeypatch.setenv(almacen.CLAVE_ENV, k)
    return k


def turno(texto: str, *extra) -> list:
    return [
        UserUttered(texto, {"name": "saludo", "confidence": 1.0}, metadata={"telefono": "+1312"}),
        *extra,
        BotUttered(f"Confirmo tu CURP {CURP}"),
        ActionExecuted("action_listen"),
    ]


# ------------------------------------------------------------------ encryption
def test_sensitive_events_become_one_token_and_come_back(clave):
    f = almacen.cifrador()
    datos = UserUttered(f"mi curp es {CURP}", metadata={"telefono": "+13125550199"}).as_dict()
    cifrado = almacen.cifrar_evento(datos, f)
    assert set(cifrado) == {"event", "timestamp", almacen.CIFRADO}
    assert CURP not in json.dumps(cifrado) and "3125550199" not in json.dumps(cifrado)
    assert almacen.descifrar_evento(cifrado, f) == datos
    accion = ActionExecuted("action_listen").as_dict()
    assert almacen.cifrar_evento(accion, f) is accion  # nothing personal: stays queryable


def test_key_rotation_reads_old_events_and_unknown_keys_drop_them(clave):
    viejo = almacen.cifrar_evento(SlotSet("curp", CURP).as_dict(), almacen.cifrador())
    nueva = Fernet.generate_key().decode()
    rotado = almacen.cifrador(f"{nueva},{clave}")
    assert almacen.descifrar_evento(viejo, rotado)["value"] == CURP
    assert almacen.descifrar_evento(viejo, almacen.cifrador(nueva)) == {}


@pytest.mark.parametrize("valor", ["", " , ", "no-es-una-clave"])
def test_a_missing_or_bad_key_stops_start_up_with_a_clear_message(valor):
    with pytest.raises(almacen.ClaveFaltante, match="ORIENTA_TRACKER_KEY"):
        almacen.cifrador(valor)


# ------------------------------------------------------------------ SQL store
@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request, tmp_path, clave):
    if request.param == "sqlite":
        store = almacen.SQLTrackerStoreSeguro(
            domain=DOMINIO, dialect="sqlite", db=str(tmp_path / "tracker.db")
        )
        yield store
        store.engine.dispose()
        return
    request.getfixturevalue("pg_url")  # skips when PostgreSQL does not answer
    name = f"orienta_tracker_{secrets.token_hex(5)}"
    store = almacen.SQLTrackerStoreSeguro(
        domain=DOMINIO,
        dialect="postgresql",
        host="127.0.0.1",
        db=name,
        username="postgres",
        login_db="postgres",  # Rasa creates `db` from there, as in deploy/endpoints.prod.yml
    )
    yield store
    store.engine.dispose()
    admin = sa.create_engine(
        "postgresql://postgres@127.0.0.1/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_url():
    from tests.ayudas import pg_responde

    if not pg_responde():
        pytest.skip("PostgreSQL no responde en 127.0.0.1:5432")
    return "postgresql://postgres@127.0.0.1:5432"


def filas(store, sender: str) -> list[str]:
    with store.session_scope() as s:
        q = s.query(store.SQLEvent.data).filter(store.SQLEvent.sender_id == sender)
        return [d for (d,) in q.order_by(store.SQLEvent.id)]


async def test_nothing_personal_is_stored_in_clear_and_rasa_reads_it_back(sql_store):
    tracker = DialogueStateTracker.from_events(
        "conv-1", turno(f"mi curp es {CURP}", SlotSet("curp", CURP))
    )
    await sql_store.save(tracker)
    crudo = "\n".join(filas(sql_store, "conv-1"))
    assert CURP not in crudo and "+1312" not in crudo
    assert '"event": "action"' in crudo  # event types stay readable
    leido = await sql_store.retrieve("conv-1")
    assert leido.get_slot("curp") == CURP
    assert leido.latest_message.text == f"mi curp es {CURP}"
    assert [e.as_dict()["event"] for e in leido.events] == [
        e.as_dict()["event"] for e in tracker.events
    ]


async def test_erasure_deletes_the_earlier_events_of_the_conversation(sql_store):
    tracker = DialogueStateTracker.from_events("conv-2", turno("hola", SlotSet("curp", CURP)))
    await sql_store.save(tracker)
    otra = DialogueStateTracker.from_events("conv-3", turno("hola"))
    await sql_store.save(otra)
    tracker = await sql_store.retrieve("conv-2")
    for e in turno("borra mis datos", SlotSet("curp", None), SlotSet("conversacion_borrada", True)):
        tracker.update(e)
    await sql_store.save(tracker)
    leido = await sql_store.retrieve("conv-2")
    tipos = [e.as_dict()["event"] for e in leido.events]
    assert tipos[0] == "slot" and leido.get_slot("conversacion_borrada") is True
    assert leido.get_slot("curp") is None
    assert not any(getattr(e, "text", None) == "hola" for e in leido.events)
    assert len(filas(sql_store, "conv-2")) == 3  # marker, bot message, action_listen
    assert len(filas(sql_store, "conv-3")) == len(otra.events)  # other conversations untouched
    # The next turn appends after the kept events (the stored count still lines up).
    for e in turno("gracias"):
        leido.update(e)
    await sql_store.save(leido)
    assert len(filas(sql_store, "conv-2")) == 3 + 3  # user, bot, action_listen


# ------------------------------------------------------------------ in-memory store
async def test_in_memory_store_forgets_the_past_on_erasure():
    store = almacen.InMemoryTrackerStoreSeguro(DOMINIO)
    tracker = DialogueStateTracker.from_events("conv-4", turno(f"mi curp es {CURP}"))
    await store.save(tracker)
    tracker = await store.retrieve("conv-4")
    for e in turno("borra", SlotSet("conversacion_borrada", True)):
        tracker.update(e)
    await store.save(tracker)
    leido = await store.retrieve("conv-4")
    assert not any(isinstance(e, UserUttered) and "mi curp" in e.text for e in leido.events)
    assert isinstance(leido.events[0], SlotSet)
    # Later turns keep working and keep the history from the erasure on.
    for e in turno("hola"):
        leido.update(e)
    await store.save(leido)
    assert len((await store.retrieve("conv-4")).events) == 3 + 3  # user, bot, action_listen


# ------------------------------------------------------------------ retention
DIA = 86400


def con_hora(eventos: list, hora: float) -> list:
    for e in eventos:
        e.timestamp = hora
    return eventos


async def test_retention_deletes_only_whole_quiet_conversations(sql_store, capsys):
    from channels import retencion

    ahora = time.time()
    vieja = con_hora(turno(f"mi curp es {CURP}", SlotSet("curp", CURP)), ahora - 200 * DIA)
    mixta = con_hora(turno("hola"), ahora - 300 * DIA) + con_hora(turno("sigo"), ahora - DIA)
    for sender, eventos in [("vieja", vieja), ("mixta", mixta), ("nueva", turno("hola"))]:
        await sql_store.save(DialogueStateTracker.from_events(sender, eventos))
    antes = {s: len(filas(sql_store, s)) for s in ("vieja", "mixta", "nueva")}

    prueba = retencion.purgar(sql_store.engine, dias=180, aplicar=False)
    assert prueba == retencion.Resumen(conversaciones=1, eventos=antes["vieja"])
    assert {s: len(filas(sql_store, s)) for s in antes} == antes  # a dry run deletes nothing

    url = sql_store.engine.url.render_as_string(hide_password=False)
    assert retencion.main(["--dias", "180", "--aplicar", "--url", url]) == 0
    salida = capsys.readouterr().out
    assert f"borradas: 1 ({antes['vieja']} eventos)" in salida
    assert "vieja" not in salida  # counts only: a sender id can be a phone number
    assert filas(sql_store, "vieja") == []
    assert len(filas(sql_store, "mixta")) == antes["mixta"]  # one recent turn keeps it whole
    assert len(filas(sql_store, "nueva")) == antes["nueva"]


def test_retention_refuses_a_zero_limit(capsys):
    from channels import retencion

    assert retencion.main(["--dias", "0", "--url", "sqlite://"]) == 2
    assert "mayor que 0" in capsys.readouterr().err


# ------------------------------------------------------------------ erasure on every channel
def _borrar_con_otras(tracker: DialogueStateTracker, *otras: str) -> None:
    from bot.analitica import conversacion_id

    hashes = [conversacion_id(o) for o in otras]
    for e in turno(
        "borra mis datos",
        SlotSet("curp", None),
        SlotSet("conversaciones_borradas", hashes),
        SlotSet("conversacion_borrada", True),
    ):
        tracker.update(e)


async def test_erasure_on_the_web_deletes_the_whatsapp_conversation_too_sql(sql_store):
    """Issue 16, item 7: registered on WhatsApp, erased from the web chat; before, the WhatsApp
    conversation (CURP, summary, phone in its metadata) stayed in the tracker store."""
    whatsapp, web, ajena = "tw-0123456789abcdef0123", "web-5f1c2d3e", "web-otra-persona"
    for sender in (whatsapp, web, ajena):
        await sql_store.save(DialogueStateTracker.from_events(sender, turno(f"mi curp es {CURP}")))
    tracker = await sql_store.retrieve(web)
    _borrar_con_otras(tracker, whatsapp)
    await sql_store.save(tracker)
    assert filas(sql_store, whatsapp) == []
    assert len(filas(sql_store, web)) == 3  # marker, bot message, action_listen
    assert len(filas(sql_store, ajena)) == len(turno("x"))  # someone else: untouched


async def test_erasure_on_the_web_deletes_the_whatsapp_conversation_too_in_memory():
    store = almacen.InMemoryTrackerStoreSeguro(DOMINIO)
    whatsapp, web, ajena = "tw-0123456789abcdef0123", "web-5f1c2d3e", "web-otra-persona"
    for sender in (whatsapp, web, ajena):
        await store.save(DialogueStateTracker.from_events(sender, turno(f"mi curp es {CURP}")))
    tracker = await store.retrieve(web)
    _borrar_con_otras(tracker, whatsapp)
    await store.save(tracker)
    assert whatsapp not in store.store and ajena in store.store
    leido = await store.retrieve(web)
    assert not any(isinstance(e, UserUttered) and CURP in e.text for e in leido.events)


async def test_a_malformed_list_of_conversations_deletes_nothing_else(sql_store):
    otra = "web-otra-persona"
    await sql_store.save(DialogueStateTracker.from_events(otra, turno("hola")))
    tracker = DialogueStateTracker.from_events("conv-9", turno("hola"))
    await sql_store.save(tracker)
    tracker = await sql_store.retrieve("conv-9")
    for e in turno(
        "borra",
        SlotSet("conversaciones_borradas", ["%", otra, "' OR 1=1 --"]),
        SlotSet("conversacion_borrada", True),
    ):
        tracker.update(e)
    await sql_store.save(tracker)
    assert len(filas(sql_store, otra)) == len(turno("x"))


def test_contrasena_de_ejemplo_no_arranca(monkeypatch):
    from cryptography.fernet import Fernet

    from bot.secretos import SecretoInvalido
    from channels.almacen import SQLTrackerStoreSeguro

    monkeypatch.setenv("ORIENTA_TRACKER_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretoInvalido, match="ORIENTA_PG_PASSWORD"):
        SQLTrackerStoreSeguro(
            dialect="postgresql", url="db", password="CAMBIAR-password-postgres", db="x"
        )
