"""`make bench-registro`: complete pre-registrations through the REST channel, end to end.

Starts the enrollment service on a fresh SQLite file (fresh API keys), the action server pointed
at it, and Rasa on the cached model; then runs N registrations one after another and N more with
8 conversations at a time, each with its own sender and CURP. Prints user turns per registration,
latency per turn (p50/p95/max; the final submission turn apart), errors, and registrations
created vs expected. The end-to-end test (tests/e2e/test_flujos.py) starts the same stack with
`start_flujo_stack`.

    python -m scripts.bench_registro [-n 20] [--concurrentes 8]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from stdnum.mx import curp as stdnum_curp

from bot.folio import FOLIO_EN_TEXTO
from bot.validacion import validar_curp
from scripts import bench, model_cache, stack

ROOT = model_cache.ROOT
# Ports of the benchmark; the e2e test uses 5305/5355/5380, so both can run at once.
RASA_PORT, ACTIONS_PORT, SERVICE_PORT = 5405, 5455, 5480
AVISO_URL = "https://orienta.example.org/privacidad"

NOMBRE = "María Guadalupe López Hernández"
EMAIL = "maria.lopez@gmail.com"
TELEFONO = "(312) 555-1234"
CIUDAD = "Chicago, IL"
OCUPACION = "carpintero"
INGRESO = "15 mil pesos"


# ------------------------------------------------------------------ test data
def curp_valida(n: int) -> str:
    """A CURP that passes bot.validacion.validate_curp, a different one for each n < 7000.

    Born 1980-01-01 + n days (homoclave "0": born before 2000), man, Jalisco; the 18th
    character is stdnum's check digit (weights 18..2 over the first 17 characters, mod 10)."""
    nacimiento = date(1980, 1, 1) + timedelta(days=n)
    base = f"GOMC{nacimiento:%y%m%d}HJCRRR0"
    curp = base + stdnum_curp.calc_check_digit(base)
    return validar_curp(curp).curp


# The Mexican address for the IMSS clinic: estado, municipio, código postal, colonia.
DOMICILIO_MX = ("Jalisco", "Zapopan", "45010", "Centro")


def turnos_registro(curp: str) -> list[str]:
    """What a person types for a complete registration; the last one sends the summary."""
    return [
        "quiero inscribirme",
        "1",  # consent
        curp,
        "si",  # "your CURP says you were born on ..."
        "NO LO TENGO",  # NSS (optional)
        NOMBRE,
        EMAIL,
        TELEFONO,
        CIUDAD,
        *DOMICILIO_MX,
        OCUPACION,
        INGRESO,
        "2",  # "¿Quieres que te recordemos cada mes la fecha de pago?" no
        "1",  # summary: "1 Sí, enviar"
    ]


TURNOS = len(turnos_registro(curp_valida(0)))


def folio_en(textos: list[str]) -> str | None:
    match = FOLIO_EN_TEXTO.search("\n".join(textos))
    return match.group(0) if match else None


# ------------------------------------------------------------------ the stack
@dataclass
class PilaFlujo:
    """Service + action server + Rasa on their own ports and their own SQLite file."""

    running: stack.Pila
    env: dict[str, str]
    database: Path
    rasa_port: int
    service_port: int
    admin_key: str = field(repr=False)
    assistant_key: str = field(repr=False)

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.service_port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    def stop_service(self) -> None:
        proc = self.running.processes.pop("service")
        proc.terminate()
        proc.wait(timeout=15)

    def iniciar_servicio(self) -> float:
        return stack.iniciar_servicio(self.running, self.env, self.service_port, self.database_url)

    def registros(self, curp: str | None = None) -> list[dict]:
        """Rows of the service's database (all, or those with this CURP), read directly."""
        with sqlite3.connect(self.database) as db:
            db.row_factory = sqlite3.Row
            if curp is None:
                rows = db.execute("SELECT * FROM registros").fetchall()
            else:
                rows = db.execute("SELECT * FROM registros WHERE curp = ?", (curp,)).fetchall()
        return [dict(r) for r in rows]

    def consultar(self, folio: str, curp: str) -> httpx.Response:
        """The service's status query as a promoter would (admin key: folio + CURP, no code)."""
        return httpx.get(
            f"{self.service_url}/v1/registros/{folio}",
            params={"curp": curp},
            headers={"X-API-Key": self.admin_key},
            timeout=10,
        )

    def codigo(self, folio: str) -> str:
        """The last one-time code sent for ``folio``: without Twilio the service writes it to its
        log, on a line marked as development only."""
        lineas = [
            linea
            for ruta in sorted(self.running.log_dir.glob("*.log"))
            for linea in ruta.read_text(errors="replace").splitlines()
            if "SOLO DESARROLLO" in linea and f"folio={folio}:" in linea
        ]
        if not lineas:
            raise AssertionError(f"no development code for {folio} in {self.running.log_dir}")
        return lineas[-1].rsplit(" ", 1)[-1].strip()

    def stop(self) -> None:
        self.running.stop()


def iniciar_pila_flujo(
    work_dir: Path,
    rasa_port: int = RASA_PORT,
    actions_port: int = ACTIONS_PORT,
    service_port: int = SERVICE_PORT,
    model: Path | None = None,
) -> PilaFlujo:
    """Starts the three processes (logs in `work_dir`); the caller stops them with .stop().

    `model` defaults to the cached model of the current data (trained first if missing)."""
    model = model or model_cache.ensure_model()
    keys = {
        "ORIENTA_ASSISTANT_API_KEY": secrets.token_urlsafe(32),
        "ORIENTA_ADMIN_API_KEY": secrets.token_urlsafe(32),
    }
    env = stack.entorno_base() | keys
    env |= {
        "ORIENTA_SERVICE_URL": f"http://127.0.0.1:{service_port}",
        "ORIENTA_AVISO_PRIVACIDAD_URL": AVISO_URL,
    }
    endpoints = stack.archivo_endpoints(work_dir, actions_port)
    flujo = PilaFlujo(
        running=stack.Pila(log_dir=work_dir),
        env=env,
        database=work_dir / "orienta.db",
        rasa_port=rasa_port,
        service_port=service_port,
        admin_key=keys["ORIENTA_ADMIN_API_KEY"],
        assistant_key=keys["ORIENTA_ASSISTANT_API_KEY"],
    )
    try:
        # Rasa takes the longest to load and needs neither of the others to start.
        with ThreadPoolExecutor(2) as pool:
            service = pool.submit(flujo.iniciar_servicio)
            actions = pool.submit(stack.iniciar_acciones, flujo.running, env, actions_port)
            stack.iniciar_rasa(flujo.running, env, model, rasa_port, endpoints=str(endpoints))
            service.result()
            actions.result()
    except BaseException:
        flujo.stop()
        raise
    return flujo


# ------------------------------------------------------------------ the benchmark
@dataclass
class Registro:
    sender: str
    curp: str
    latencias_ms: list[float] = field(default_factory=list)  # one per turn, in order
    errores: int = 0
    folio: str | None = None


async def registrar(client: httpx.AsyncClient, url: str, sender: str, curp: str) -> Registro:
    """One person, one message at a time (each waits for the answer before the next)."""
    resultado = Registro(sender, curp)
    for texto in turnos_registro(curp):
        started = time.perf_counter()
        try:
            r = await client.post(url, json={"sender": sender, "message": texto})
            r.raise_for_status()
        except httpx.HTTPError:
            resultado.errores += 1
            return resultado
        resultado.latencias_ms.append((time.perf_counter() - started) * 1000)
        resultado.folio = folio_en([m.get("text") or "" for m in r.json()]) or resultado.folio
    return resultado


async def varios(url: str, curps: list[str], concurrentes: int) -> list[Registro]:
    run_id = uuid.uuid4().hex[:6]
    pendientes = list(enumerate(curps))
    hechos: list[Registro] = []

    async def persona(client: httpx.AsyncClient) -> None:
        while pendientes:
            numero, curp = pendientes.pop(0)
            hechos.append(await registrar(client, url, f"bench-reg-{run_id}-{numero}", curp))

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(persona(client) for _ in range(concurrentes)))
    return hechos


def fila(nombre: str, registros: list[Registro], creados: int) -> dict:
    turnos = [lat for r in registros for lat in r.latencias_ms[:-1]]
    finales = [r.latencias_ms[-1] for r in registros if len(r.latencias_ms) == TURNOS]
    sin_folio = sum(1 for r in registros if r.errores == 0 and r.folio is None)

    def stats(valores: list[float]) -> tuple[str, str, str]:
        if not valores:
            return "—", "—", "—"
        return (
            f"{bench.percentile(valores, 50):.0f}",
            f"{bench.percentile(valores, 95):.0f}",
            f"{max(valores):.0f}",
        )

    return {
        "fase": nombre,
        "registros": len(registros),
        "turnos": TURNOS,
        "turno": stats(turnos),
        "envio": stats(finales),
        "errores_http": sum(r.errores for r in registros),
        "sin_folio": sin_folio,
        "creados": creados,
        "segundos_por_registro": (
            sum(sum(r.latencias_ms) for r in registros) / len(registros) / 1000 if registros else 0
        ),
    }


def imprimir(filas: list[dict]) -> None:
    print(
        "\nRegistros completos por el canal REST (latencias en ms: p50 / p95 / max)\n"
        f"{'fase':<16}{'regs':>5}{'turnos':>7}  {'turno del formulario':>22}  "
        f"{'turno de envío':>20}{'err':>5}{'s/folio':>8}{'creados':>9}{'s/reg':>7}"
    )
    for f in filas:
        turno, envio = " / ".join(f["turno"]), " / ".join(f["envio"])
        print(
            f"{f['fase']:<16}{f['registros']:>5}{f['turnos']:>7}  {turno:>22}  {envio:>20}"
            f"{f['errores_http']:>5}{f['sin_folio']:>8}{f['creados']:>5}/{f['registros']:<3}"
            f"{f['segundos_por_registro']:>7.1f}"
        )
    print(
        "\nturnos = mensajes de la persona por registro; 'turno de envío' = el último (\"1\" en el "
        "resumen: llama al servicio); err = errores HTTP; s/folio = conversaciones que terminaron "
        "sin folio; creados = filas nuevas en la base del servicio / esperadas."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="registros por fase (default 20)")
    parser.add_argument("--concurrentes", type=int, default=8)
    parser.add_argument("--model", type=Path, help="default: the cached model of the current data")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-registro-") as tmp:
        print("Iniciando servicio, acciones y Rasa (carga del modelo: 30-60 s)...", flush=True)
        flujo = iniciar_pila_flujo(Path(tmp), model=args.model)
        try:
            url = flujo.rest_url
            asyncio.run(varios(url, [curp_valida(6999)], 1))  # warm-up, not measured
            filas = []
            fases = [("secuencial", 0, 1), (f"{args.concurrentes} a la vez", 1, args.concurrentes)]
            for nombre, fase, concurrentes in fases:
                curps = [curp_valida(fase * 3000 + i) for i in range(args.n)]
                antes = len(flujo.registros())
                print(f"{nombre}: {args.n} registros...", flush=True)
                hechos = asyncio.run(varios(url, curps, concurrentes))
                creados = len(flujo.registros()) - antes
                filas.append(fila(nombre, hechos, creados))
        finally:
            flujo.stop()
    imprimir(filas)


if __name__ == "__main__":
    main()
