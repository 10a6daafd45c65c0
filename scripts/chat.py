"""Chat with a running Orienta (started by `make run`) from the terminal, over the REST channel."""

import sys
import uuid

import httpx

from scripts.stack import RASA_PORT

URL = f"http://localhost:{RASA_PORT}/webhooks/rest/webhook"


def show(reply: dict) -> None:
    if reply.get("text"):
        print(f"Orienta: {reply['text']}")
    for number, button in enumerate(reply.get("buttons") or [], start=1):
        print(f"   {number}) {button['title']}")


def main() -> None:
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("Escribe tu pregunta (o 'salir'). Puedes contestar con el número de una opción.")
    buttons: list[dict] = []
    while True:
        try:
            text = input("Tú: ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if text.lower() in {"salir", "exit"}:
            break
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = httpx.post(URL, json={"sender": sender, "message": text}, timeout=30).json()
        except httpx.HTTPError:
            sys.exit(f"No pude conectar con Orienta en {URL}. ¿Está corriendo `make run`?")
        buttons = [b for r in replies for b in (r.get("buttons") or [])]
        for reply in replies:
            show(reply)


if __name__ == "__main__":
    main()
