"""Rasa's NLG endpoint on the published answers, and the edit → review → publish → rollback
workflow with its roles and audit rows (SQLite + PostgreSQL)."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from bot import conocimiento as kb
from bot import revision_contenido as reglas
from bot.tiempo import ahora_utc, dia_en_mexico
from servicio.consola import cuentas
from servicio.contenido import almacen
from servicio.inscripcion import modelos as m
from servicio.inscripcion.bd import crear_fabrica_sesiones
from tests.ayudas import ASSISTANT_KEY
from tests.conftest import ROOT

A = {"X-API-Key": ASSISTANT_KEY}
CLAVE = "una-clave-larga-2026"
ENTRADA = "afore_que_es"


def peticion_rasa(nombre: str) -> dict:
    """The body Rasa's CallbackNaturalLanguageGenerator posts (rasa/core/nlg/callback.py)."""
    return {
        "response": nombre,
        "id": None,
        "arguments": {},
        "tracker": {"sender_id": "x", "slots": {"folio": None}, "events": [], "latest_message": {}},
        "channel": {"name": "rest"},
    }


def hoy():
    return dia_en_mexico(ahora_utc())


@pytest.fixture
def session(client, app):
    with crear_fabrica_sesiones(app.state.engine)() as s:
        yield s


@pytest.fixture
def gente(session):
    return {
        "ana": cuentas.crear(session, "ana", "Ana Pérez", CLAVE),
        "eva": cuentas.crear(session, "eva", "Eva Editora", CLAVE, rol=m.ROL_EDITOR),
        "luz": cuentas.crear(session, "luz", "Luz Editora", CLAVE, rol=m.ROL_EDITOR),
    }


def cambio(**campos) -> reglas.Cambio:
    base = reglas.Cambio.de_entrada(almacen.semilla()[ENTRADA])
    return reglas.Cambio(**{**base.__dict__, **campos})


def texto(client, nombre=f"utter_faq/{ENTRADA}") -> str:
    r = client.post("/v1/nlg", json=peticion_rasa(nombre), headers=A)
    assert r.status_code == 200
    return r.json()["text"]


# ------------------------------------------------------------------ the NLG contract
def test_nlg_gives_the_generated_response_in_rasas_shape(client):
    r = client.post("/v1/nlg", json=peticion_rasa(f"utter_faq/{ENTRADA}"), headers=A)
    assert r.status_code == 200 and r.headers["X-Contenido-Version"]
    cuerpo = r.json()
    assert set(cuerpo) <= {"text", "buttons", "image", "elements", "attachment", "custom", "id"}
    assert isinstance(cuerpo["buttons"], list) and isinstance(cuerpo["custom"], dict)
    e = kb.por_id(kb.cargar())[ENTRADA]
    assert cuerpo["text"] == kb.texto_corto(e, kb.valores_del_anio(hoy()))
    generadas = yaml.safe_load((ROOT / "data" / "faq" / "respuestas.yml").read_text())
    assert cuerpo["text"] == generadas["responses"][f"utter_faq/{ENTRADA}"][0]["text"]


def test_nlg_gives_the_detail_the_mas_action_gave(client):
    e = kb.por_id(kb.cargar())[ENTRADA]
    assert texto(client, f"utter_faq_detalle_{ENTRADA}") == kb.texto_detalle(
        e, kb.valores_del_anio(hoy())
    )


def test_nlg_knows_only_the_knowledge_base_and_needs_the_key(client):
    assert client.post("/v1/nlg", json=peticion_rasa("utter_saludo"), headers=A).status_code == 404
    assert client.post("/v1/nlg", json=peticion_rasa(f"utter_faq/{ENTRADA}")).status_code == 401


def test_the_seed_is_idempotent(session):
    antes = session.execute(select(m.VersionRespuesta)).scalars().all()
    assert len(antes) == len(almacen.semilla())
    assert almacen.sembrar(session) == 0


# ------------------------------------------------------------------ edit, review, publish
def test_an_approved_edit_reaches_the_next_nlg_answer(client, session, gente):
    version_antes = client.get("/v1/nlg/version", headers=A).json()["version"]
    nuevo = "La AFORE guarda tu ahorro para el retiro. En la Ley 97 es tu cuenta individual."
    v = almacen.proponer(session, gente["ana"], ENTRADA, cambio(corta=nuevo), "más claro", hoy())
    assert nuevo not in texto(client)  # proposed, not published
    almacen.publicar(session, gente["eva"], v.id, hoy())
    assert texto(client).startswith(nuevo)
    assert client.get("/v1/nlg/version", headers=A).json()["version"] != version_antes
    acciones = [a.accion for a in session.execute(select(m.Auditoria)).scalars()]
    assert acciones == ["contenido_propuesto", "contenido_publicado"]


def test_rollback_is_a_new_version_and_restores_the_text(client, session, gente):
    original = texto(client)
    v = almacen.proponer(session, gente["ana"], ENTRADA, cambio(corta="Texto nuevo."), "x", hoy())
    almacen.publicar(session, gente["eva"], v.id, hoy())
    semilla = almacen.historial(session, ENTRADA)[-1]
    nueva = almacen.revertir(session, gente["luz"], semilla.id, "volver al original", hoy())
    assert texto(client) == original
    assert nueva.numero == 3 and nueva.restaura == semilla.id
    assert [h.numero for h in almacen.historial(session, ENTRADA)] == [3, 2, 1]


def test_nobody_publishes_their_own_change_and_promoters_never(session, gente):
    propia = almacen.proponer(session, gente["eva"], ENTRADA, cambio(corta="Otro."), "x", hoy())
    with pytest.raises(almacen.ErrorContenido, match="propio cambio"):
        almacen.publicar(session, gente["eva"], propia.id, hoy())
    with pytest.raises(almacen.ErrorContenido, match="Solo una cuenta de edición"):
        almacen.publicar(session, gente["ana"], propia.id, hoy())
    with pytest.raises(almacen.ErrorContenido, match="Solo una cuenta de edición"):
        almacen.revertir(session, gente["ana"], propia.id, "x", hoy())


def test_autopublish_is_for_one_person_deployments_only(session, gente):
    v = almacen.proponer(
        session, gente["eva"], ENTRADA, cambio(corta="Uno."), "x", hoy(), autopublicar=True
    )
    assert v.estado == m.VERSION_PUBLICADA
    w = almacen.proponer(
        session, gente["ana"], ENTRADA, cambio(corta="Dos."), "x", hoy(), autopublicar=True
    )
    assert w.estado == m.VERSION_PROPUESTA  # a promoter's change still needs an editor


@pytest.mark.parametrize(
    ("campos", "motivo"),
    [
        ({"corta": "Sí. " * 120}, "caben 320"),
        ({"corta": "Usted puede."}, "habla de tú"),
        ({"fuente": "IMSS"}, "fecha"),
        ({"corta": "Cuesta 4,321 pesos."}, "4,321"),
        ({"incierto": True}, "confírmalo con el IMSS"),
    ],
)
def test_a_failing_change_is_refused_with_its_reason(
    session, gente, campos, motivo, monkeypatch, tmp_path
):
    # Sources of our own: the check must not depend on ../shared beside the checkout (a clean
    # clone in CI may not have it); 4,321 is in none of them.
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "facts.md").write_text("La cuota mínima: unos 1,700 pesos al mes.")
    (tmp_path / "knowledge" / "facts-addendum-2026-12.md").write_text("Sin cifras nuevas.")
    monkeypatch.setenv("ORIENTA_CONTENIDO_FUENTES_DIR", str(tmp_path))
    with pytest.raises(almacen.ErrorContenido) as error:
        almacen.proponer(session, gente["ana"], ENTRADA, cambio(**campos), "x", hoy())
    assert any(motivo in p for p in error.value.problemas), error.value.problemas
    assert len(almacen.historial(session, ENTRADA)) == 1


def test_a_flag_is_audited_and_found_from_the_text_shown(client, session, gente):
    assert almacen.entrada_de_texto(session, texto(client), hoy()) == ENTRADA
    marca = almacen.marcar(session, gente["ana"], ENTRADA, "El teléfono cambió")
    assert [x.id for x in almacen.marcas_abiertas(session)] == [marca.id]
    almacen.atender_marca(session, gente["eva"], marca.id)
    assert almacen.marcas_abiertas(session) == []
    acciones = [a.accion for a in session.execute(select(m.Auditoria)).scalars()]
    assert acciones == ["respuesta_marcada", "marca_atendida"]


def test_stale_answers_are_listed(session):
    lejos = almacen.por_revisar(session, hoy().replace(year=hoy().year + 5), 365)
    assert {p.entrada for p in lejos} == set(almacen.semilla())
    assert almacen.fecha_de_fuente("IMSS, 24/02/2026; otra 2020") == hoy().replace(
        year=2026, month=2, day=24
    )


def test_per_answer_use_counts_a_request_for_a_person_right_after(session):
    from datetime import timedelta

    from servicio.contenido import frescura

    ahora = ahora_utc()
    mensajes = [
        ("a" * 32, f"faq/{ENTRADA}"),
        ("a" * 32, "pedir_humano"),
        ("b" * 32, f"faq/{ENTRADA}"),
        ("b" * 32, "saludo"),
        ("b" * 32, "pedir_humano"),
        ("c" * 32, "pedir_humano"),
    ]
    for i, (conversacion, intent) in enumerate(mensajes):
        session.add(
            m.MetricaMensaje(
                en=ahora - timedelta(minutes=10 - i),
                canal="web",
                conversacion=conversacion,
                intent=intent,
                fallback=False,
            )  # fmt: skip
        )
    session.commit()
    (uso,) = frescura.uso_por_respuesta(session, hoy())
    assert (uso.entrada, uso.veces, uso.pidio_humano) == (ENTRADA, 2, 1)


def test_missing_yearly_values_are_named():
    from datetime import date

    from servicio.contenido import frescura

    faltan = frescura.valores_faltantes(date(2027, 3, 1))
    assert any("UMA de 2027" in f for f in faltan)
    assert any("salario mínimo de 2027" in f for f in faltan)
    assert not any(f.startswith("Falta") for f in frescura.valores_faltantes(date(2026, 6, 1)))


def test_without_the_sources_the_figure_rule_says_it_did_not_run(monkeypatch, tmp_path):
    monkeypatch.setenv("ORIENTA_CONTENIDO_FUENTES_DIR", str(tmp_path))
    revision = almacen.revisar(cambio(corta="Cuesta 4,321 pesos."), ENTRADA, hoy())
    assert revision.aprobada and "no se revisaron las cifras" in revision.avisos[0]


def test_make_promotor_rol_editor_creates_an_editor(monkeypatch, db_url, engine, capsys):
    import io

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(CLAVE + "\n"))
    argv = ["crear", "eva.ed", "--nombre", "Eva Editora", "--rol", "editor", "--clave-stdin"]
    assert cuentas.main(argv) == 0
    assert "Cuenta creada: eva.ed (editor)" in capsys.readouterr().out
