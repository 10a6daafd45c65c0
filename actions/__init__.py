"""Orienta's custom actions (thin adapters over ``bot/``), served by ``python -m rasa_sdk``.

The action server imports this package at start-up. The offline place index (~0.9 s) and the
country names then load in a background thread, not in the first turn that needs them (that first
turn took 1 s more under ``make bench-load``).
"""

import threading

from bot import lectura, ventanillas


def _precargar() -> None:
    ventanillas.precargar()
    lectura.precargar()


PRECARGA = threading.Thread(target=_precargar, name="orienta-precarga", daemon=True)
PRECARGA.start()
