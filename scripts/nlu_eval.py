"""Evaluate a trained model on the held-out NLU split (tests/nlu/heldout.yml, never trained on).

Shared by the tests (minimum macro-F1) and the benchmark (pipeline comparison, threshold table).
"""

import asyncio
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sklearn.metrics import f1_score

from bot import temas
from scripts import model_cache
from scripts.model_cache import ROOT

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
REALES = ROOT / "tests" / "nlu" / "reales.yml"
TEMAS_ANTERIORES = ROOT / "tests" / "nlu" / "temas_anteriores.yml"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "fuera_de_alcance"
#: An in-scope real question that no knowledge-base entry answers (a gap in the base).
SIN_ENTRADA = "sin_entrada"
#: Knowledge-base entries that decline (a pointer elsewhere) rather than answer about PTI.
NO_PTI = ("fuera_de_alcance", "urgente")


@cache
def _anteriores() -> dict[str, set[str]]:
    return {k: set(v) for k, v in yaml.safe_load(TEMAS_ANTERIORES.read_text()).items()}


def es_respuesta_pti(etiqueta: str) -> bool:
    """A label the assistant answers with a PTI (or adjacent) entry, not a refusal."""
    entrada = etiqueta.removeprefix(f"{temas.INTENT}/")
    return temas.es_tema(entrada) and temas.entradas()[entrada].tipo not in NO_PTI


def etiqueta(parsed: dict, intent: str, expected: str) -> str:
    """What the assistant acted on, in the terms of the expected label: a knowledge-base entry
    counts as its old topic when it is one of that topic's entries (tests/nlu/
    temas_anteriores.yml), and as declining when it is an out-of-scope or urgent pointer."""
    if intent != temas.INTENT:
        return intent
    entrada = temas.entrada_elegida(parsed)
    if entrada is None:
        return intent
    if entrada in _anteriores().get(expected, ()):
        return expected
    if expected == OUT_OF_SCOPE and temas.entradas()[entrada].tipo in NO_PTI:
        return OUT_OF_SCOPE
    return f"{temas.INTENT}/{entrada}"


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    intent: str  # what the assistant acts on, nlu_fallback included
    top_intent: str  # best real intent, ignoring the fallback
    confidence: float  # confidence of top_intent
    sugeridas: tuple[str, ...] = ()  # the entries a fallback offers as buttons, ``faq/<id>``


def heldout_examples(path: Path = HELDOUT) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(path)
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def prediccion(parsed: dict, text: str, expected: str) -> Prediction:
    """What a parse (Rasa's output for one message) means, in the terms of its expected label."""
    ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
    top = ranking[0] if ranking else {"name": FALLBACK, "confidence": 0.0}
    return Prediction(
        text,
        expected,
        etiqueta(parsed, parsed["intent"]["name"], expected),
        etiqueta(parsed, top["name"], expected),
        top["confidence"],
        tuple(f"{temas.INTENT}/{e}" for e in temas.sugerencias(parsed)),
    )


async def _parse_all(agent, examples: list[tuple[str, str]]) -> list[Prediction]:
    return [
        prediccion(await agent.parse_message(text), text, expected) for text, expected in examples
    ]


def predict(agent, examples: list[tuple[str, str]]) -> list[Prediction]:
    return asyncio.run(_parse_all(agent, examples))


def acted_on(p: Prediction) -> str:
    """A fallback on an out-of-scope message is the right behaviour: both decline politely."""
    return OUT_OF_SCOPE if p.intent == FALLBACK and p.expected == OUT_OF_SCOPE else p.intent


def macro_f1(predictions: list[Prediction], with_fallback: bool = True) -> float:
    labels = sorted({p.expected for p in predictions})
    y_true = [p.expected for p in predictions]
    y_pred = [acted_on(p) if with_fallback else p.top_intent for p in predictions]
    return float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def threshold_table(predictions: list[Prediction], thresholds: list[float]) -> list[dict]:
    """For each fallback threshold: how many in-scope messages are answered right, how many
    are lost to the fallback, and how many out-of-scope messages would get a PTI topic answer."""
    in_scope = [p for p in predictions if p.expected != OUT_OF_SCOPE]
    out_scope = [p for p in predictions if p.expected == OUT_OF_SCOPE]
    rows = []
    for t in thresholds:
        answered = [p for p in in_scope if p.confidence >= t]
        wrong_pti = [p for p in out_scope if p.confidence >= t and es_respuesta_pti(p.top_intent)]
        rows.append(
            {
                "umbral": t,
                "correctas": sum(p.top_intent == p.expected for p in answered) / len(in_scope),
                "a_fallback": 1 - len(answered) / len(in_scope),
                "fuera_con_respuesta_pti": len(wrong_pti) / max(len(out_scope), 1),
            }
        )
    return rows


def scores(predictions: list[Prediction]) -> dict[str, float]:
    return {
        "macro_f1_con_fallback": round(macro_f1(predictions), 4),
        "macro_f1_clasificador": round(macro_f1(predictions, with_fallback=False), 4),
    }


def heldout_predictions(model_path: Path) -> list[Prediction]:
    return predict(load_agent(model_path), heldout_examples())


def load_agent(model_path: Path):
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structured log prints a debug line per message parsed: hundreds of
    # lines in the benchmark's output that bury its table.
    configure_structlog(logging.WARNING)
    return Agent.load(str(model_path))


def datos_de_entrenamiento():
    """Rasa's NLU training data of this checkout, read by Rasa's own importer from data/ as
    `rasa train` reads it: every NLU file, and the responses."""
    from rasa.shared.importers.importer import TrainingDataImporter

    # model_cache.ROOT read at call time: a test points it at a data folder of its own.
    rutas = [str(model_cache.ROOT / "data")]
    return TrainingDataImporter.load_from_dict(training_data_paths=rutas).get_nlu_data()


@cache
def _preguntas_reales(path: Path = REALES) -> tuple[dict, ...]:
    """tests/nlu/reales.yml, read once per run (every score of every pipeline reads it)."""
    return tuple((yaml.safe_load(path.read_text()) or {}).get("preguntas", []))


def reales_examples(
    mitad: str = "prueba", path: Path = REALES, lote: int | None = None
) -> list[tuple[str, str]]:
    """Real questions of one half (never trained on: "prueba"), labelled with the entry that
    answers them, or as out of scope. An in-scope question that no entry answers is labelled
    ``SIN_ENTRADA``: it counts as a miss, as it is one for the person who asked it. ``lote``
    keeps one collection batch only (1 unless the question says otherwise): a later batch was
    never seen while the knowledge base was written, so it is the fairest test."""
    preguntas = _preguntas_reales(path)
    ejemplos = []
    for p in preguntas:
        if p.get("mitad") != mitad or (lote is not None and p.get("lote", 1) != lote):
            continue
        if not p.get("en_alcance"):
            ejemplos.append((str(p["texto"]), OUT_OF_SCOPE))
        else:
            entrada = p.get("entrada")
            etiqueta_real = f"{temas.INTENT}/{entrada}" if entrada else SIN_ENTRADA
            ejemplos.append((str(p["texto"]), etiqueta_real))
    return ejemplos


def del_lote(predictions: list[Prediction], lote: int, path: Path = REALES) -> list[Prediction]:
    """The predictions of one collection batch, out of those of every real question."""
    textos = {str(q["texto"]) for q in _preguntas_reales(path) if q.get("lote", 1) == lote}
    return [p for p in predictions if p.text in textos]


def entradas_fuera_de_alcance(path: Path = REALES) -> dict[str, str]:
    """Out-of-scope real questions that an entry answers all the same (e.g. how to get a
    consulate appointment, which the entry on appointments points to): text -> ``faq/<id>``."""
    preguntas = _preguntas_reales(path)
    return {
        str(p["texto"]): f"{temas.INTENT}/{p['entrada']}"
        for p in preguntas
        if not p.get("en_alcance") and p.get("entrada")
    }


def acertada(p: Prediction, aceptadas: dict[str, str]) -> bool:
    """In scope: answered with the right entry; out of scope: handled well (``rechazada``)."""
    if p.expected == OUT_OF_SCOPE:
        return rechazada(p, aceptadas)
    return p.intent == p.expected


def rechazada(p: Prediction, aceptadas: dict[str, str]) -> bool:
    """An out-of-scope question handled well: declined, or answered with the entry named for it."""
    return not es_respuesta_pti(acted_on(p)) or p.intent == aceptadas.get(p.text)


def _parte(aciertos: int, n: int) -> float | None:
    """A share, or None for a share of no questions (a batch with no out-of-scope one)."""
    return aciertos / n if n else None


def reales_score(predictions: list[Prediction]) -> dict[str, float | None]:
    """In scope: answered with the right entry; out of scope: refused (fallback or a pointer)."""
    dentro = [p for p in predictions if p.expected != OUT_OF_SCOPE]
    fuera = [p for p in predictions if p.expected == OUT_OF_SCOPE]
    aceptadas = entradas_fuera_de_alcance()
    return {
        "en_alcance": _parte(sum(acertada(p, aceptadas) for p in dentro), len(dentro)),
        "fuera_rechazadas": _parte(sum(acertada(p, aceptadas) for p in fuera), len(fuera)),
        "a_fallback": _parte(sum(p.intent == FALLBACK for p in dentro), len(dentro)),
        # Answered right, or sent to the fallback with the right entry among its buttons.
        "en_alcance_o_sugerida": _parte(
            sum(
                p.intent == p.expected or (p.intent == FALLBACK and p.expected in p.sugeridas)
                for p in dentro
            ),
            len(dentro),
        ),
        "n_en_alcance": len(dentro),
        "n_sin_entrada": sum(p.expected == SIN_ENTRADA for p in dentro),
        "n_fuera": len(fuera),
    }


#: In ``sin_contexto``: declining (a fallback or an out-of-scope pointer) serves the person.
RECHAZO = "rechazo"


def _sin_contexto(pregunta: dict) -> list[str]:
    """What serves someone who sends this text alone, with no page around it (the field
    ``sin_contexto``, from a blind audit); by default what the page's label says."""
    if "sin_contexto" in pregunta:
        return list(pregunta["sin_contexto"])
    if pregunta.get("en_alcance"):
        return [pregunta["entrada"]] if pregunta.get("entrada") else []
    return [RECHAZO] + ([pregunta["entrada"]] if pregunta.get("entrada") else [])


def _declinar_sirve(aceptables: list[str]) -> bool:
    """Declining serves when the audit says so or names a pointer elsewhere (any pointer or a
    fallback declines, as the page-label score counts out-of-scope questions)."""
    return any(e == RECHAZO or not es_respuesta_pti(f"{temas.INTENT}/{e}") for e in aceptables)


def sirve_sin_contexto(p: Prediction, aceptables: list[str]) -> bool:
    """The assistant acted with one of the answers that serve the text read on its own."""
    if _declinar_sirve(aceptables) and not es_respuesta_pti(p.intent):
        return True
    return p.intent in {f"{temas.INTENT}/{e}" for e in aceptables if e != RECHAZO}


def mismo_criterio(a: list[str], b: list[str]) -> bool:
    """Two lists of what serves a question that score every answer alike."""
    pti = {e for e in a + b if e != RECHAZO and es_respuesta_pti(f"{temas.INTENT}/{e}")}
    return {e for e in pti if e in a} == {e for e in pti if e in b} and _declinar_sirve(
        a
    ) == _declinar_sirve(b)


def reales_score_sin_contexto(predictions: list[Prediction], path: Path = REALES) -> dict:
    """The real questions scored as a person would send them, without their page: a heading such
    as "¿Cuánto me cuesta el seguro?" is right with the PTI cost even if its page was about
    another insurance. Grouped by the page's label (in scope or not)."""
    por_texto = {str(q["texto"]): q for q in _preguntas_reales(path)}
    grupos: dict[bool, list[bool]] = {True: [], False: []}
    for p in predictions:
        q = por_texto[p.text]
        grupos[bool(q.get("en_alcance"))].append(sirve_sin_contexto(p, _sin_contexto(q)))
    return {
        "sin_contexto_en_alcance": sum(grupos[True]) / max(len(grupos[True]), 1),
        "sin_contexto_fuera": sum(grupos[False]) / max(len(grupos[False]), 1),
    }


def exactitud(predictions: list[Prediction]) -> dict[str, float]:
    """The team's held-out split: share acted on rightly, and share of in-scope messages that
    got "no te entendí" instead of an answer."""
    dentro = [p for p in predictions if p.expected != OUT_OF_SCOPE]
    return {
        "exactitud": round(
            sum(acted_on(p) == p.expected for p in predictions) / len(predictions), 4
        ),
        "a_fallback": round(sum(p.intent == FALLBACK for p in dentro) / max(len(dentro), 1), 4),
    }


def reales_predicciones(model_path: Path) -> dict[str, float]:
    """The real held-out half's scores, prefixed ``reales_``, for the benchmark's table."""
    puntos = reales_score(predict(load_agent(model_path), reales_examples("prueba")))
    return {f"reales_{k}": round(v, 4) for k, v in puntos.items()}
