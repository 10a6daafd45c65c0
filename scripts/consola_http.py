"""The promoters' console as a promoter uses it, over HTTP: a real account, login, CSRF token."""

from __future__ import annotations

import re
import secrets
import subprocess
import uuid

import httpx

from scripts import stack

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def crear_cuenta(
    database_url: str, nombre: str = "Prueba E2E", rol: str = "promotor"
) -> tuple[str, str]:
    """A console account created with the console's own CLI, on the web service's environment."""
    usuario, clave = f"p{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    orden = [stack.PY_SERVICIO, "-m", "servicio.consola.cuentas", "crear", usuario]
    orden += ["--nombre", nombre, "--rol", rol, "--clave-stdin"]
    entorno = {**stack.entorno_base(), "DATABASE_URL": database_url}
    subprocess.run(orden, input=clave + "\n", text=True, env=entorno, check=True, cwd=stack.ROOT)
    return usuario, clave


class ConsolaHttp:
    """A logged-in promoter (or admin): ``get`` pages, ``enviar`` forms with the session's CSRF
    token."""

    def __init__(self, base_url: str, database_url: str, rol: str = "promotor"):
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)
        usuario, clave = crear_cuenta(database_url, rol=rol)
        self.csrf = self._csrf(self.http.get("/consola/entrar").text)
        r = self.http.post(
            "/consola/entrar", data={"usuario": usuario, "clave": clave, "csrf": self.csrf}
        )
        assert r.status_code == 303, r.text
        self.csrf = self._csrf(self.get("/consola/preguntar"))

    @staticmethod
    def _csrf(html: str) -> str:
        return _CSRF.search(html).group(1)

    def get(self, ruta: str) -> str:
        r = self.http.get(ruta)
        assert r.status_code == 200, (ruta, r.status_code)
        return r.text

    def enviar(self, ruta: str, **campos: str) -> httpx.Response:
        return self.http.post(ruta, data={**campos, "csrf": self.csrf})

    def close(self) -> None:
        self.http.close()
