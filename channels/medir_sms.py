"""Measures how many SMS segments the real responses of domain.yml cost.

    python -m channels.medir_sms            # Markdown table (the one in docs/twilio.md)
    python -m channels.medir_sms --todas    # includes the _detalle responses

Compares the text as written (with accents: UCS-2) with what the channel sends by SMS
(transliterated to GSM-7), with the buttons already turned into numbered options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from bot.mensajes import codificacion_sms, formatear_turno, segmentos_totales

DOMINIO = Path(__file__).resolve().parent.parent / "domain.yml"


def medir(dominio: Path = DOMINIO, todas: bool = False) -> list[tuple[str, int, str, int, int]]:
    """(name, characters, encoding with accents, segments with accents, segments in GSM-7)."""
    respuestas = yaml.safe_load(dominio.read_text(encoding="utf-8"))["responses"]
    filas = []
    for nombre, variantes in respuestas.items():
        if nombre.endswith("_detalle") and not todas:
            continue
        variante = variantes[0]
        con_acentos = formatear_turno([variante], "sms", transliterar=False).cuerpos
        gsm7 = formatear_turno([variante], "sms").cuerpos
        filas.append(
            (
                nombre,
                sum(len(c) for c in con_acentos),
                codificacion_sms("".join(con_acentos)),
                segmentos_totales(con_acentos),
                segmentos_totales(gsm7),
            )
        )
    return filas


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m channels.medir_sms")
    parser.add_argument("--todas", action="store_true", help="incluye utter_*_detalle")
    parser.add_argument("--dominio", type=Path, default=DOMINIO)
    args = parser.parse_args()
    filas = medir(args.dominio, args.todas)
    print("| response | chars | as written | segments as written | segments sent (GSM-7) |")
    print("|---|---:|---|---:|---:|")
    for nombre, largo, cod, seg_original, seg_gsm in filas:
        print(f"| `{nombre}` | {largo} | {cod} | {seg_original} | {seg_gsm} |")
    total_original = sum(f[3] for f in filas)
    total_gsm = sum(f[4] for f in filas)
    print(f"| **total ({len(filas)} responses)** | | | **{total_original}** | **{total_gsm}** |")


if __name__ == "__main__":
    main()
