"""Turn the knowledge base (data/conocimiento/*.yml) into Rasa's own formats.

    python -m scripts.generar_conocimiento            # write data/faq/*.yml
    python -m scripts.generar_conocimiento --revisar  # exit 1 if they are not up to date

Writes the retrieval intent ``faq/<id>`` with the ways people ask each entry (plus the training
half of the real questions, tests/nlu/reales.yml, mapped to their entry) and its response
``utter_faq/<id>`` with the short answer, yearly values filled in. The held-out half of the real
questions is never written here. The detailed answers ("más") are built at run time by the action
server from the same entries (bot.conocimiento), so they need no training.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import yaml

from bot import conocimiento as kb

ROOT = Path(__file__).resolve().parent.parent
SALIDA = ROOT / "data" / "faq"
REALES = ROOT / "tests" / "nlu" / "reales.yml"
AVISO = (
    "# GENERADO por scripts/generar_conocimiento.py desde data/conocimiento/: no lo edites a\n"
    "# mano; edita la entrada y corre `make conocimiento`.\n"
)


FECHA = "Valores anuales del "


def fecha_generada(ruta: Path = SALIDA / "respuestas.yml") -> date | None:
    """The date whose yearly values the generated files hold (None if never generated)."""
    if ruta.exists():
        for linea in ruta.read_text(encoding="utf-8").splitlines()[:5]:
            if linea.startswith(f"# {FECHA}"):
                return date.fromisoformat(linea.removeprefix(f"# {FECHA}").strip())
    return None


class _Literal(str):
    """A YAML block scalar (|), as Rasa's own files write examples and texts."""


def _literal(dumper: yaml.SafeDumper, valor: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", valor, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


def _ejemplos(textos: list[str]) -> _Literal:
    vistos: list[str] = []
    for t in textos:
        t = " ".join(t.split())
        if t and t.lower() not in {v.lower() for v in vistos}:
            vistos.append(t)
    return _Literal("".join(f"- {t}\n" for t in vistos))


def reales_de_entrenamiento(ruta: Path | None = None) -> dict[str, list[str]]:
    """The training half of the real questions, by the entry that answers them."""
    ruta = ruta or REALES
    if not ruta.exists():
        return {}
    datos = yaml.safe_load(ruta.read_text(encoding="utf-8")) or {}
    por_entrada: dict[str, list[str]] = {}
    for p in datos.get("preguntas", []):
        if p.get("mitad") == "entrenamiento" and p.get("entrada"):
            por_entrada.setdefault(p["entrada"], []).append(str(p["texto"]))
    return por_entrada


def generar(hoy: date) -> dict[Path, str]:
    """File path -> content, for every generated file, with the yearly values in force on `hoy`."""
    entradas = kb.cargar()
    valores = kb.valores_del_anio(hoy)
    reales = reales_de_entrenamiento()
    nlu = {
        "version": "3.1",
        "nlu": [
            {
                "intent": f"{kb.INTENT}/{e.id}",
                "examples": _ejemplos([*e.preguntas, *reales.get(e.id, [])]),
            }
            for e in entradas
        ],
    }
    respuestas = {
        "version": "3.1",
        "responses": {
            e.respuesta: [{"text": _Literal(kb.texto_corto(e, valores))}] for e in entradas
        },
    }
    cabecera = f"{AVISO}# {FECHA}{hoy.isoformat()}\n"

    def volcar(datos: dict) -> str:
        return cabecera + yaml.safe_dump(datos, allow_unicode=True, sort_keys=False, width=1000)

    return {SALIDA / "nlu.yml": volcar(nlu), SALIDA / "respuestas.yml": volcar(respuestas)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisar", action="store_true", help="solo comprobar, sin escribir")
    parser.add_argument("--fecha", type=date.fromisoformat, help="valores anuales de esta fecha")
    args = parser.parse_args(argv)
    # --revisar regenerates with the date the files were made on: a new year is not an error
    # here (the yearly values are refreshed by `make conocimiento`, which `make train` runs).
    hoy = args.fecha or (fecha_generada() if args.revisar else None) or date.today()
    archivos = generar(hoy)
    viejos = [p for p, texto in archivos.items() if not p.exists() or p.read_text() != texto]
    if args.revisar:
        for p in viejos:
            print(
                f"{p.relative_to(ROOT)} no está al día: corre `make conocimiento`", file=sys.stderr
            )
        return 1 if viejos else 0
    SALIDA.mkdir(parents=True, exist_ok=True)
    for p in viejos:
        p.write_text(archivos[p], encoding="utf-8")
    destino = SALIDA.relative_to(ROOT)
    print(f"{len(kb.cargar())} entradas; {len(viejos)} archivos escritos en {destino}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
