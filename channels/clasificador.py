"""Orienta's intent classifier and knowledge-base selector, in one linear model.

One linear SVM over TF-IDF character and word n-grams reads a message and chooses among every
label at once: the flow intents (saludo, cotizar, registrarse…) and each knowledge-base entry
(``faq/<id>``). Measured against DIET + ResponseSelector and Rasa's default pipeline on the real
questions (docs/mediciones.md, `make bench`), it was the most accurate, and it trains in seconds
instead of a quarter of an hour, which matters with 160+ entries and a few thousand examples.

It writes Rasa's own output: ``intent`` and ``intent_ranking`` as an intent classifier does, and
``response_selector`` as the ResponseSelector does, so ``utter_faq``, the FallbackClassifier and
the actions work unchanged. Four additions (rules in bot.consulta): the courtesies a message
opens with are not read; a message that describes an emergency gets its urgent entry whatever
the model thinks; a message that names the IMSS never gets a US agency's pointer, and one that
names a program (Modalidad 40, Infonavit…) gets one of its entries; and when a message asks
two things, the second one's entry goes in ``otra_pregunta`` for the action to offer.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from bot.consulta import (
    OTRA_PREGUNTA,
    entradas_admitidas,
    preguntas,
    sin_cortesias,
    urgencia,
)
from bot.texto import sin_acentos

logger = logging.getLogger(__name__)

# Rasa's recipe validator looks for its own ResponseSelector class by type and warns that the
# faq/<id> examples go unused; this component trains on them.
warnings.filterwarnings(
    "ignore", message="You have defined training data with examples for training a response"
)

ARCHIVO = "clasificador.joblib"


#: An HTML tag: markup pasted into the web chat says nothing about what is asked, and its
#: letters would ("<script>" shares n-grams with "prescription").
_ETIQUETA_HTML = re.compile(r"</?[a-z][^<>]{0,200}>")


def normalizar(texto: str) -> str:
    """Lowercase, no accents, no HTML tags, elongations cut ("holaaa" -> "hola"): chat Spanish
    drops accents and repeats letters, and the model should not need to see every spelling."""
    plano = _ETIQUETA_HTML.sub(" ", sin_acentos(texto.lower()))
    return re.sub(r"(.)\1{2,}", r"\1", plano)


def _caracteristicas(max_ngrama_caracteres: int) -> FeatureUnion:
    # Character n-grams within words absorb typos and missing accents; word uni- and bigrams
    # carry the terms that tell neighbouring entries apart ("requisitos" vs "pasos").
    return FeatureUnion(
        [
            (
                "caracteres",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, max_ngrama_caracteres),
                    preprocessor=normalizar,
                    sublinear_tf=True,
                ),
            ),
            (
                "palabras",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    preprocessor=normalizar,
                    sublinear_tf=True,
                ),
            ),
        ]
    )


def etiqueta_de(ejemplo: Message) -> str | None:
    """``faq/<id>`` for a knowledge-base example, the intent for the others."""
    return ejemplo.get(INTENT_RESPONSE_KEY) or ejemplo.get(INTENT)


def confianzas(decisiones: np.ndarray, escala: float) -> np.ndarray:
    """A softmax over the SVM's margins: monotonic in them, summing to one, so the
    FallbackClassifier's threshold and ambiguity gap mean what they mean for DIET."""
    z = escala * (decisiones - decisiones.max(axis=-1, keepdims=True))
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ClasificadorLineal(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 1.0,
            "escala": 8.0,
            "max_ngrama_caracteres": 5,
            "ranking": 10,
            "retrieval_intent": "faq",
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        modelo: dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._modelo = modelo

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ClasificadorLineal:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ClasificadorLineal:
        try:
            with model_storage.read_from(resource) as carpeta:
                modelo = joblib.load(carpeta / ARCHIVO)
        except (ValueError, FileNotFoundError):
            logger.warning("El clasificador no está entrenado; todo mensaje irá al fallback.")
            modelo = None
        return cls(config, model_storage, resource, modelo)

    def train(self, training_data: TrainingData) -> Resource:
        textos, etiquetas = [], []
        for ejemplo in training_data.intent_examples:
            etiqueta = etiqueta_de(ejemplo)
            if etiqueta and ejemplo.get(TEXT):
                textos.append(sin_cortesias(ejemplo.get(TEXT)))
                etiquetas.append(etiqueta)
        if len(set(etiquetas)) < 2:
            raise ValueError("El clasificador necesita ejemplos de al menos dos intenciones.")
        caracteristicas = _caracteristicas(self._config["max_ngrama_caracteres"])
        svm = LinearSVC(C=self._config["C"])
        svm.fit(caracteristicas.fit_transform(textos), etiquetas)
        self._modelo = {
            "caracteristicas": caracteristicas,
            "svm": svm,
            "respuestas": dict(training_data.responses),
        }
        with self._storage.write_to(self._resource) as carpeta:
            joblib.dump(self._modelo, carpeta / ARCHIVO)
        return self._resource

    def _puntuar(self, textos: list[str]) -> tuple[np.ndarray, np.ndarray]:
        assert self._modelo is not None
        x = self._modelo["caracteristicas"].transform([sin_cortesias(t) for t in textos])
        return self._modelo["svm"].classes_, confianzas(
            self._modelo["svm"].decision_function(x), self._config["escala"]
        )

    def process(self, messages: list[Message]) -> list[Message]:
        for mensaje in messages:
            texto = mensaje.get(TEXT) or ""
            if self._modelo is None or not texto.strip():
                continue
            partes = preguntas(texto)[:2]
            clases, p = self._puntuar(partes)
            p = np.array(
                [self._lo_que_admite(t, c, clases) for t, c in zip(partes, p, strict=True)]
            )
            self._escribir(mensaje, clases, self._urgente_primero(texto, clases, p[0]))
            if len(partes) > 1:
                self._escribir_otra(mensaje, clases, p[0], p[1])
        return messages

    def _urgente_primero(self, texto: str, clases: np.ndarray, p: np.ndarray) -> np.ndarray:
        """All the confidence on the urgent entry when the message describes an emergency."""
        entrada = urgencia(texto)
        etiqueta = f"{self._config['retrieval_intent']}/{entrada}"
        if entrada is None or etiqueta not in clases:
            return p
        return (clases == etiqueta).astype(float)

    def _lo_que_admite(self, texto: str, p: np.ndarray, clases: np.ndarray) -> np.ndarray:
        """When the best label is an entry the names in a message rule out, the confidence goes
        to the entries they admit: the message asks about the knowledge base, just not there."""
        admite = entradas_admitidas(texto)
        prefijo = f"{self._config['retrieval_intent']}/"
        entradas = np.array([str(c).startswith(prefijo) for c in clases])
        admitidas = entradas & np.array([admite(str(c).removeprefix(prefijo)) for c in clases])
        mejor = np.argmax(p)
        resto = np.where(admitidas, p, 0.0)
        if not entradas[mejor] or admitidas[mejor] or resto.sum() == 0:
            return p
        return resto / resto.sum()

    def _escribir(self, mensaje: Message, clases: np.ndarray, p: np.ndarray) -> None:
        intent_faq = self._config["retrieval_intent"]
        orden = np.argsort(-p)
        # An intent's confidence is its best label's: summing the entries' would make "faq"
        # look certain for any message, because it owns most of the labels.
        por_intent: dict[str, float] = {}
        for i in orden:
            por_intent.setdefault(str(clases[i]).split("/")[0], float(p[i]))
        ranking = [
            {INTENT_NAME_KEY: nombre, PREDICTED_CONFIDENCE_KEY: confianza}
            for nombre, confianza in list(por_intent.items())[: self._config["ranking"]]
        ]
        mensaje.set(INTENT, ranking[0], add_to_output=True)
        mensaje.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

        entradas = [i for i in orden if str(clases[i]).startswith(f"{intent_faq}/")]
        if not entradas:
            return
        mejor = str(clases[entradas[0]])
        utter = f"utter_{mejor}"
        selector = {
            RESPONSE_SELECTOR_RETRIEVAL_INTENTS: [intent_faq],
            intent_faq: {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self._modelo["respuestas"].get(utter, []),
                    PREDICTED_CONFIDENCE_KEY: float(p[entradas[0]]),
                    INTENT_RESPONSE_KEY: mejor,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter,
                },
                RESPONSE_SELECTOR_RANKING_KEY: [
                    {PREDICTED_CONFIDENCE_KEY: float(p[i]), INTENT_RESPONSE_KEY: str(clases[i])}
                    for i in entradas[: self._config["ranking"]]
                ],
            },
        }
        mensaje.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)

    def _escribir_otra(
        self, mensaje: Message, clases: np.ndarray, primera: np.ndarray, segunda: np.ndarray
    ) -> None:
        """The second question's entry, when it is another entry than the first's."""
        i, j = int(np.argmax(primera)), int(np.argmax(segunda))
        otra = str(clases[j])
        if i != j and otra.startswith(f"{self._config['retrieval_intent']}/"):
            mensaje.set(
                OTRA_PREGUNTA,
                {INTENT_RESPONSE_KEY: otra, PREDICTED_CONFIDENCE_KEY: float(segunda[j])},
                add_to_output=True,
            )
