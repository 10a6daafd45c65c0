"""Score one batch of real questions, both halves, with Orienta's pipeline trained from scratch on
this checkout's data: `python -m scripts.medir_lote 3`.

Run on the commit that added the batch to tests/nlu/reales.yml, before its training half joined
the data, it measures questions that no model and nobody tuning one had seen: the fairest number
there is. Later, it says how many of the batch's questions the data already holds."""

import sys
import tempfile
from pathlib import Path

from bot.texto import clave_de_pregunta
from scripts import model_cache, nlu_eval


def ya_entrenadas(textos: list[str]) -> int:
    """How many of these texts the training data holds, case, accents and punctuation aside (the
    batch's training half once merged, or a team phrasing that a page happens to word the same)."""
    vistos = {
        clave_de_pregunta(m.get("text", ""))
        for m in nlu_eval.datos_de_entrenamiento().intent_examples
    }
    return sum(clave_de_pregunta(t) in vistos for t in textos)


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1 or not args[0].isdigit():
        sys.exit("Di qué lote medir: python -m scripts.medir_lote 7 (o make medir-lote LOTE=7).")
    lote = int(args[0])
    ejemplos = [
        e
        for mitad in ("entrenamiento", "prueba")
        for e in nlu_eval.reales_examples(mitad, lote=lote)
    ]
    if not ejemplos:
        sys.exit(f"No hay preguntas reales del lote {lote} en {nlu_eval.REALES}.")
    with tempfile.TemporaryDirectory() as tmp:
        segundos = model_cache.train(
            model_cache.ROOT / "config.yml", Path(tmp), "lote", nlu_only=True, fresh=True
        )
        predichas = nlu_eval.predict(nlu_eval.load_agent(Path(tmp) / "lote.tar.gz"), ejemplos)
    puntos = nlu_eval.reales_score(predichas)
    dentro, fuera = puntos["n_en_alcance"], puntos["n_fuera"]
    print(f"Lote {lote}, sus {len(ejemplos)} preguntas (entrenamiento en {segundos:.0f} s):")
    print(f"  en alcance con la entrada correcta: {puntos['en_alcance']:.1%} de {dentro}")
    rechazadas = f"{puntos['fuera_rechazadas']:.1%} de {fuera}" if fuera else "ninguna en el lote"
    print(f"  fuera de alcance rechazadas:        {rechazadas}")
    print(f"  en alcance al fallback:             {puntos['a_fallback']:.1%}")
    vistas = ya_entrenadas([t for t, _ in ejemplos])
    if vistas:
        # One or two can be a team example that a page happens to word the same way; a whole
        # half means the batch's training half has joined the data and the measure is not blind.
        print(f"  ojo: {vistas} de ellas son ya ejemplos de entrenamiento")


if __name__ == "__main__":
    main()
