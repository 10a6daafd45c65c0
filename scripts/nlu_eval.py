"""Evaluate a trained model on the held-out NLU split (tests/nlu/heldout.yml, never trained on).

Shared by the tests (minimum macro-F1) and the benchmark (pipeline comparison, threshold table).
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import f1_score

from bot.temas import es_tema
from scripts.model_cache import ROOT

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "fuera_de_alcance"


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    intent: str  # what the assistant acts on, nlu_fallback included
    top_intent: str  # best real intent, ignoring the fallback
    confidence: float  # confidence of top_intent


def heldout_examples(path: Path = HELDOUT) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(path)
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


async def _parse_all(agent, examples: list[tuple[str, str]]) -> list[Prediction]:
    predictions = []
    for text, expected in examples:
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        top = ranking[0] if ranking else {"name": FALLBACK, "confidence": 0.0}
        predictions.append(
            Prediction(text, expected, parsed["intent"]["name"], top["name"], top["confidence"])
        )
    return predictions


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
        wrong_pti = [p for p in out_scope if p.confidence >= t and es_tema(p.top_intent)]
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

    return Agent.load(str(model_path))
