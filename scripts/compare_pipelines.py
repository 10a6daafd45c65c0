"""`make bench-pipelines`: train NLU-only variants of config.yml, score each on the held-out split.

This is how the pipeline in config.yml was chosen; results go to results/pipelines.jsonl.
Each variant trains in 40-110 s on this 2-core machine.
"""

import copy
import json
import sys
import tempfile
from pathlib import Path

import yaml

from scripts import model_cache, nlu_eval

ROOT = model_cache.ROOT
THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7]


def pipeline(tokenizer: str, chars: tuple[int, int], layers: int, size: int, epochs: int) -> list:
    steps = [{"name": "WhitespaceTokenizer"}]
    if tokenizer == "spacy":
        steps = [{"name": "SpacyNLP", "model": "es_core_news_sm"}, {"name": "SpacyTokenizer"}]
    char_ngrams = {"name": "CountVectorsFeaturizer", "analyzer": "char_wb"}
    char_ngrams.update(min_ngram=chars[0], max_ngram=chars[1], strip_accents="unicode")
    diet = {"name": "DIETClassifier", "epochs": epochs, "random_seed": 42}
    diet.update(constrain_similarities=True, number_of_transformer_layers=layers)
    diet.update(transformer_size=size)
    return steps + [
        {"name": "RegexFeaturizer"},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer", "strip_accents": "unicode"},
        char_ngrams,
        diet,
        {"name": "EntitySynonymMapper"},
        {"name": "FallbackClassifier", "threshold": 0.5, "ambiguity_threshold": 0.05},
    ]


VARIANTS = {
    "whitespace, char 1-4, sin transformer, 60 ép.": pipeline("ws", (1, 4), 0, 256, 60),
    "whitespace, char 1-4, sin transformer, 100 ép.": pipeline("ws", (1, 4), 0, 256, 100),
    "whitespace, char 2-5, sin transformer, 60 ép.": pipeline("ws", (2, 5), 0, 256, 60),
    "spaCy lemas, char 2-5, sin transformer, 60 ép.": pipeline("spacy", (2, 5), 0, 256, 60),
    "spaCy lemas, char 1-4, 1 capa 128, 60 ép.": pipeline("spacy", (1, 4), 1, 128, 60),
    "whitespace, char 1-4, 1 capa 128, 60 ép. (elegido)": pipeline("ws", (1, 4), 1, 128, 60),
}


def score(name: str, steps: list, workdir: Path) -> dict:
    config = copy.deepcopy(yaml.safe_load((ROOT / "config.yml").read_text()))
    config["pipeline"] = steps
    path = workdir / "config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    seconds = model_cache.train(path, workdir, "variant", nlu_only=True)
    predictions = nlu_eval.heldout_predictions(workdir / "variant.tar.gz")
    return {
        "variante": name,
        "entrenamiento_s": round(seconds),
        **nlu_eval.scores(predictions),
        "umbrales": nlu_eval.threshold_table(predictions, THRESHOLDS),
    }


def main() -> None:
    out = ROOT / "results" / "pipelines.jsonl"
    out.parent.mkdir(exist_ok=True)
    chosen = sys.argv[1:] or list(VARIANTS)
    for name in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            row = score(name, VARIANTS[name], Path(tmp))
        with out.open("a") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{row['macro_f1_con_fallback']:.3f}  {row['entrenamiento_s']:>4} s  {name}")


if __name__ == "__main__":
    main()
