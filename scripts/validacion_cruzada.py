"""Cross-validation on the real questions' training half: `python -m scripts.validacion_cruzada`.

The held-out half is the honest measure, so it must not be read while a change is being tuned.
This scores a change to the data or the classifier on the training half instead: the questions are
dealt into folds by a hash of their text; for each fold its questions leave the training data, the
classifier of config.yml is trained on the rest, and the fold is scored as `make bench` scores
the held-out half (nlu_eval.reales_score). Phrasings written from its misses make it optimistic:
only a new batch (scripts/medir_lote.py) says what they are worth.

`--errores` prints the misses, which may be read: they are training questions."""

import argparse
import tempfile
import time
import zlib
from pathlib import Path

import yaml

from bot.texto import clave_de_pregunta
from scripts import model_cache, nlu_eval

PLIEGUES = 4
SEMILLA = 7


def pliegues(ejemplos: list[tuple[str, str]], k: int, semilla: int) -> list[list[tuple[str, str]]]:
    """The examples dealt into ``k`` folds by a hash of their text and ``semilla``: a question
    stays in its fold when others join the file, so two runs differ only by what changed."""
    partes: list[list[tuple[str, str]]] = [[] for _ in range(k)]
    for ejemplo in ejemplos:
        huella = zlib.crc32(f"{semilla}:{clave_de_pregunta(ejemplo[0])}".encode())
        partes[huella % k].append(ejemplo)
    return partes


def sin_las_del_pliegue(ejemplos: list, pliegue: list[tuple[str, str]]) -> list:
    """The training examples that are not one of the fold's questions."""
    fuera = {clave_de_pregunta(t) for t, _ in pliegue}
    return [m for m in ejemplos if clave_de_pregunta(str(m.get("text", ""))) not in fuera]


def _opciones(pipeline: list[dict], nombre: str) -> dict:
    """One component's options in config.yml's pipeline, without its name."""
    componente = next(c for c in pipeline if c["name"].endswith(nombre))
    return {k: v for k, v in componente.items() if k != "name"}


def _entrenar_y_predecir(
    pipeline: list[dict], datos, entrenar: list, pliegue: list[tuple[str, str]], tmp: Path
):
    """The config's classifier and fallback, trained on ``entrenar``, run on the fold."""
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from channels.clasificador import ClasificadorLineal

    almacen = LocalModelStorage(tmp)
    opciones = _opciones(pipeline, "ClasificadorLineal")
    clasificador = ClasificadorLineal.create(opciones, almacen, Resource("clasificador"), None)
    clasificador.train(TrainingData(entrenar, responses=datos.responses))
    umbrales = _opciones(pipeline, "FallbackClassifier")
    fallback = FallbackClassifier.create(
        {**FallbackClassifier.get_default_config(), **umbrales}, almacen, Resource("f"), None
    )
    mensajes = fallback.process(
        clasificador.process([Message(data={"text": t}) for t, _ in pliegue])
    )
    return [
        nlu_eval.prediccion(m.as_dict(only_output_properties=True), t, esperada)
        for m, (t, esperada) in zip(mensajes, pliegue, strict=True)
    ]


def validar(k: int = PLIEGUES, semilla: int = SEMILLA) -> tuple[list, float]:
    """Every training-half real question predicted by a model that never saw it, and the
    seconds it took."""
    datos = nlu_eval.datos_de_entrenamiento()
    pipeline = yaml.safe_load((model_cache.ROOT / "config.yml").read_text())["pipeline"]
    inicio = time.monotonic()
    predichas = []
    for pliegue in pliegues(nlu_eval.reales_examples("entrenamiento"), k, semilla):
        entrenar = sin_las_del_pliegue(datos.intent_examples, pliegue)
        with tempfile.TemporaryDirectory() as tmp:
            predichas += _entrenar_y_predecir(pipeline, datos, entrenar, pliegue, Path(tmp))
    return predichas, time.monotonic() - inicio


def fallo(p: nlu_eval.Prediction, aceptadas: dict[str, str]) -> bool:
    return not nlu_eval.acertada(p, aceptadas)


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--pliegues", type=int, default=PLIEGUES)
    args.add_argument("--semilla", type=int, default=SEMILLA)
    args.add_argument("--errores", action="store_true", help="imprime los fallos")
    opciones = args.parse_args(argv)
    predichas, segundos = validar(opciones.pliegues, opciones.semilla)
    puntos = nlu_eval.reales_score(predichas)
    dentro, fuera = puntos["n_en_alcance"], puntos["n_fuera"]
    print(f"Validación cruzada, {opciones.pliegues} pliegues, mitad de entrenamiento:")
    print(f"  en alcance con la entrada correcta: {puntos['en_alcance']:.1%} de {dentro}")
    print(f"  fuera de alcance rechazadas:        {puntos['fuera_rechazadas']:.1%} de {fuera}")
    print(f"  en alcance al fallback:             {puntos['a_fallback']:.1%}")
    print(f"  ({segundos:.0f} s)")
    if opciones.errores:
        aceptadas = nlu_eval.entradas_fuera_de_alcance()
        for p in predichas:
            if fallo(p, aceptadas):
                print(f"  {p.expected:<34} -> {p.intent:<34} {p.confidence:.2f} {p.text[:90]}")


if __name__ == "__main__":
    main()
