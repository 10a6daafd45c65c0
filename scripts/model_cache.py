"""Train the Rasa model only when its inputs change.

The cache key is a hash of everything that shapes the model (config, domain, training data,
and the pinned package versions). Models are kept in a cache outside the checkout, so a fresh
clone on the same machine (CI) reuses them; `models/` in the checkout holds a copy of the
current one.

    python -m scripts.model_cache            # train if needed, print the model path
    python -m scripts.model_cache --path     # print the path the current inputs map to
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
CACHE_DIR = Path(
    os.environ.get("ORIENTA_MODEL_CACHE", Path.home() / ".cache" / "orienta" / "models")
)


TRAINING_KEYS = {"nlu", "rules", "stories", "responses"}


def is_training_file(path: Path) -> bool:
    """Rasa trains on YAML files with these top-level keys and ignores other data (e.g. lists)."""
    if path.suffix not in {".yml", ".yaml"}:
        return False
    content = yaml.safe_load(path.read_text()) or {}
    return isinstance(content, dict) and bool(TRAINING_KEYS & content.keys())


#: Code that goes into the model: the classifier component and the rules it applies to a text.
CODE_IN_MODEL = [ROOT / "channels" / "clasificador.py", ROOT / "bot" / "consulta.py"]


def training_files(config: Path) -> list[Path]:
    files = [config, ROOT / "domain.yml", ROOT / "requirements" / "rasa.lock", *CODE_IN_MODEL]
    files += sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and is_training_file(p))
    return files


def inputs_hash(config: Path = ROOT / "config.yml") -> str:
    digest = hashlib.sha256()
    for path in training_files(config):
        label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        digest.update(str(label).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_name(config: Path = ROOT / "config.yml") -> str:
    return f"{config.stem}-{inputs_hash(config)}"


def model_path(config: Path = ROOT / "config.yml") -> Path:
    return ROOT / "models" / f"{model_name(config)}.tar.gz"


def train(
    config: Path, out_dir: Path, name: str, nlu_only: bool = False, fresh: bool = False
) -> float:
    """Runs `rasa train` (or `rasa train nlu`) and returns the wall time in seconds.

    `fresh` gives Rasa an empty component cache, so the time is that of a first training."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # `make validate` already checks the data strictly; Rasa's own pass would repeat the warnings.
    what = ["train", "nlu", "--nlu", "data"] if nlu_only else ["train", "--data", "data"]
    what += [] if nlu_only else ["--skip-validation"]
    args = ["--config", str(config), "--domain", "domain.yml", "--out", str(out_dir)]
    env = dict(os.environ)
    if fresh:
        env["RASA_CACHE_DIRECTORY"] = str(out_dir / ".rasa-cache")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", *what, *args, "--fixed-model-name", name, "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.monotonic() - started


def ensure_model(config: Path = ROOT / "config.yml", nlu_only: bool = False) -> Path:
    """The model for the current inputs, trained only if the cache does not have it yet."""
    name = model_name(config) + ("-nlu" if nlu_only else "")
    cached = CACHE_DIR / f"{name}.tar.gz"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if not cached.exists():
        print(f"Entrenando el modelo {name} (los datos cambiaron)...", file=sys.stderr)
        # Train beside the cache and move into place, so an interrupted run leaves no half model.
        with tempfile.TemporaryDirectory(dir=CACHE_DIR.parent) as tmp:
            seconds = train(config, Path(tmp), name, nlu_only)
            os.replace(Path(tmp) / cached.name, cached)
        print(f"Modelo entrenado en {seconds:.0f} s.", file=sys.stderr)
    target = ROOT / "models" / cached.name
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        shutil.copy2(cached, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--path", action="store_true", help="only print the expected model path")
    args = parser.parse_args()
    config = args.config.resolve()
    print(model_path(config) if args.path else ensure_model(config))


if __name__ == "__main__":
    main()
