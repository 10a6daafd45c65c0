"""`make bench-load`: N concurrent conversations through the REST channel against the production
configuration (PostgreSQL tracker, Redis lock store, RabbitMQ broker + metrics consumer, service
on PostgreSQL) with 1 and then 2 Rasa replicas.

Each simulated person sends 20 messages with a think time between them (people type on WhatsApp:
default 3-7 s); one in five completes a registration inside those 20, and one in ten asks for
a person (issue 17): two messages go to the case's thread while the bot stays quiet, a
"promoter" (the admin API) closes the case with a reply, and the person's next message must
carry it. With 2 replicas the client
spreads conversations over both (each person keeps one replica; the shared tracker makes either
work). Reports throughput, p50/p95/p99 latency, errors, and checks every registration exists
exactly once. Results also go to var/bench-load.json.

    python -m scripts.bench_load [--usuarios 50] [--mensajes 20] [--pausa 3 7] [--replicas 1 2]
                                 [--nlg con sin]

``--nlg con sin`` measures each replica count with the editable answers served by the service
(channels/nlg.py, the production endpoints file) and without (the same file minus ``nlg:``): the
NLG hop's cost in p95. Default: ``con`` only, as deployed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import time
from dataclasses import asdict, dataclass, field

import httpx
import psutil
import sqlalchemy as sa

from scripts import stack
from scripts.bench_registro import curp_valida, folio_en, turnos_registro
from scripts.stack_prod import iniciar_pila_prod

PREGUNTAS = [
    "hola",
    "cuanto cuesta",
    "que cubre el seguro",
    "quien puede inscribirse",
    "como pago",
    "mas",
    "puedo inscribir a mi familia",
    "cuanto pagaria si gano 15 mil pesos al mes",
    "hay ventanilla de salud cerca de chicago",
    "necesito mi nss?",
    "que pasa si dejo de pagar",
    "gracias",
]
RASA_PORTS, ACTIONS_PORT, SERVICE_PORT = (5705, 5706), 5755, 5780

# The handoff share: the button's payload (deterministic), two messages for the promoter, her
# reply through the admin API (CERRAR), then "menú" back to the bot.
PEDIR_HUMANO = "/pedir_humano"
CERRAR = "<<la promotora contesta y cierra>>"
EN_EL_HILO = ["tengo una duda con mi pago", "es para mi mamá"]
RESPUESTA_PROMOTORA = "Hola, soy de la ventanilla. Tu pago se hace con la línea del IMSS."
GUION_CANALIZACION = [PEDIR_HUMANO, *EN_EL_HILO, CERRAR, "menú"]


@dataclass
class Persona:
    sender: str
    mensajes: list[str]
    replica: int
    curp: str | None = None
    latencias_ms: list[float] = field(default_factory=list)
    errores: int = 0
    folio: str | None = None
    ticket: int | None = None
    respuesta_recibida: bool = False

    @property
    def canaliza(self) -> bool:
        return PEDIR_HUMANO in self.mensajes


def personas(n: int, mensajes: int, replicas: int, semilla: int) -> list[Persona]:
    rnd = random.Random(semilla)
    gente = []
    for i in range(n):
        sender = f"carga-{semilla}-{i}"
        if i % 5 == 0:  # one in five registers
            curp = curp_valida(5000 + semilla * 100 + i)
            textos = turnos_registro(curp)
            textos += [rnd.choice(PREGUNTAS) for _ in range(max(0, mensajes - len(textos)))]
            gente.append(Persona(sender, textos[:mensajes], i % replicas, curp))
        elif i % 10 == 3:  # one in ten asks for a person
            textos = [rnd.choice(PREGUNTAS) for _ in range(max(0, mensajes - 5))]
            textos[2:2] = GUION_CANALIZACION
            gente.append(Persona(sender, textos[: mensajes + 1], i % replicas))
        else:
            textos = [rnd.choice(PREGUNTAS) for _ in range(mensajes)]
            gente.append(Persona(sender, textos, i % replicas))
    return gente


def numero_de_solicitud(textos: list[str]) -> int | None:
    """The case number the bot gives after a handoff ("…tu solicitud 12…")."""
    for t in textos:
        if hallado := re.search(r"solicitud (\d+)", t):
            return int(hallado.group(1))
    return None


async def contesta_la_promotora(p: Persona, servicio: httpx.AsyncClient) -> bool:
    """The admin API closes the person's case with a reply (as the console's closing does)."""
    if p.ticket is None:
        return False
    r = await servicio.post(
        f"/v1/canalizaciones/{p.ticket}/cerrar", json={"respuesta": RESPUESTA_PROMOTORA}
    )
    return r.status_code == 200


async def conversar(
    p: Persona,
    urls: list[str],
    pausa: tuple[float, float],
    client: httpx.AsyncClient,
    servicio: httpx.AsyncClient,
) -> None:
    rnd = random.Random(p.sender)
    await asyncio.sleep(rnd.uniform(0, pausa[1]))  # people do not all start at once
    en_hilo = False  # a promoter has the conversation: the bot may answer nothing
    for texto in p.mensajes:
        if texto == CERRAR:
            p.errores += 0 if await contesta_la_promotora(p, servicio) else 1
            en_hilo = False
            continue
        inicio = time.perf_counter()
        try:
            r = await client.post(urls[p.replica], json={"sender": p.sender, "message": texto})
            cuerpo = r.json() if r.status_code == 200 else None
            textos = [m.get("text") or "" for m in cuerpo or []]
            ok = isinstance(cuerpo, list) and (bool(cuerpo) or en_hilo)
            if ok and p.curp:
                p.folio = folio_en(textos) or p.folio
            if ok and texto == PEDIR_HUMANO:
                p.ticket = numero_de_solicitud(textos)
                en_hilo = p.ticket is not None
            if texto == "menú" and p.ticket is not None:
                p.respuesta_recibida = any(RESPUESTA_PROMOTORA in t for t in textos)
        except (httpx.HTTPError, ValueError):
            ok = False
        p.latencias_ms.append((time.perf_counter() - inicio) * 1000)
        p.errores += 0 if ok else 1
        await asyncio.sleep(rnd.uniform(*pausa))


# The machine's shared servers, counted by process name (all their processes together).
SERVIDORES = {"postgres": "postgres", "redis-server": "redis", "beam.smp": "rabbitmq"}


def cpu_por_proceso(procesos: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far (user + system) of our processes, with their children, and of the
    machine's PostgreSQL, Redis and RabbitMQ; the load client itself is `cliente`."""
    cuenta: dict[str, float] = {}

    def sumar(nombre: str, proc: psutil.Process) -> None:
        try:
            t = proc.cpu_times()
            cuenta[nombre] = cuenta.get(nombre, 0.0) + t.user + t.system
        except psutil.Error:
            pass

    for nombre, pid in procesos.items():
        try:
            raiz = psutil.Process(pid)
            for proc in [raiz, *raiz.children(recursive=True)]:
                sumar(nombre, proc)
        except psutil.Error:
            pass
    for proc in psutil.process_iter(["name"]):
        nombre = SERVIDORES.get(proc.info["name"] or "")
        if nombre:
            sumar(nombre, proc)
    sumar("cliente", psutil.Process())
    return cuenta


def etiqueta(p: Persona, i: int) -> str:
    """What kind of message it was, without the synthetic personal data of registrations."""
    texto = p.mensajes[i]
    if p.curp and i < len(turnos_registro(p.curp)):
        return f"registro paso {i + 1}"
    return texto


def mas_lentos(gente: list[Persona], n: int = 8) -> list[str]:
    todos = [(ms, p, i) for p in gente for i, ms in enumerate(p.latencias_ms)]
    todos.sort(key=lambda t: -t[0])
    return [f"{ms:.0f} ms: mensaje {i + 1} «{etiqueta(p, i)}»" for ms, p, i in todos[:n]]


def percentil(valores: list[float], q: float) -> float:
    return statistics.quantiles(valores, n=100, method="inclusive")[q - 1] if valores else 0.0


@dataclass
class MedicionCarga:
    replicas: int
    nlg: bool
    usuarios: int
    mensajes: int
    duracion_s: float
    mensajes_por_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errores: int
    registros_esperados: int
    registros_con_folio: int
    duplicados: int
    canalizaciones_esperadas: int = 0
    canalizaciones_abiertas: int = 0
    respuestas_de_promotora_recibidas: int = 0
    mensajes_en_hilo_esperados: int = 0
    mensajes_en_hilo: int = 0
    cpu_ms_por_mensaje: dict[str, float] = field(default_factory=dict)
    mas_lentos: list[str] = field(default_factory=list)


def medir(
    replicas: int, usuarios: int, mensajes: int, pausa: tuple[float, float], nlg: bool = True
) -> MedicionCarga:
    prod = iniciar_pila_prod(
        stack.VAR / "bench-load" / f"r{replicas}{'' if nlg else '-sin-nlg'}",
        nlg=nlg,
        rasa_ports=RASA_PORTS[:replicas],
        actions_port=ACTIONS_PORT,
        service_port=SERVICE_PORT,
        redis_db=12,
    )
    try:
        urls = [prod.rest_url(i) for i in range(replicas)]
        gente = personas(usuarios, mensajes, replicas, semilla=replicas)

        async def todos() -> float:
            limites = httpx.Limits(max_connections=usuarios + 10)
            async with (
                httpx.AsyncClient(timeout=60, limits=limites) as client,
                httpx.AsyncClient(
                    base_url=prod.service_url,
                    headers={"X-API-Key": prod.env["ORIENTA_ADMIN_API_KEY"]},
                    timeout=60,
                ) as servicio,
            ):
                inicio = time.perf_counter()
                await asyncio.gather(*(conversar(p, urls, pausa, client, servicio) for p in gente))
                return time.perf_counter() - inicio

        procesos = {n: p.pid for n, p in prod.running.processes.items()}
        cpu_antes = cpu_por_proceso(procesos)
        duracion = asyncio.run(todos())
        cpu_despues = cpu_por_proceso(procesos)
        lat = [x for p in gente for x in p.latencias_ms]
        registrantes = [p for p in gente if p.curp]
        engine = sa.create_engine(prod.service_database_url, future=True)
        with engine.connect() as conn:
            filas = conn.execute(
                sa.text("SELECT curp, count(*) FROM registros GROUP BY curp")
            ).all()
            # The person's messages stored in the threads during the handoff (a redelivery must
            # not duplicate); the conversation before it (historial) has no external id.
            en_hilo = conn.execute(
                sa.text(
                    "SELECT count(*) FROM respuestas_canalizacion "
                    "WHERE autor = 'persona' AND id_externo IS NOT NULL"
                )
            ).scalar_one()
        engine.dispose()
        return MedicionCarga(
            replicas=replicas,
            nlg=nlg,
            usuarios=usuarios,
            mensajes=len(lat),
            duracion_s=round(duracion, 1),
            mensajes_por_s=round(len(lat) / duracion, 2),
            p50_ms=round(percentil(lat, 50)),
            p95_ms=round(percentil(lat, 95)),
            p99_ms=round(percentil(lat, 99)),
            max_ms=round(max(lat)),
            errores=sum(p.errores for p in gente),
            registros_esperados=len(registrantes),
            registros_con_folio=sum(1 for p in registrantes if p.folio),
            duplicados=sum(n - 1 for _, n in filas if n > 1),
            canalizaciones_esperadas=sum(1 for p in gente if p.canaliza),
            canalizaciones_abiertas=sum(1 for p in gente if p.ticket is not None),
            respuestas_de_promotora_recibidas=sum(1 for p in gente if p.respuesta_recibida),
            mensajes_en_hilo_esperados=len(EN_EL_HILO) * sum(1 for p in gente if p.canaliza),
            mensajes_en_hilo=en_hilo,
            mas_lentos=mas_lentos(gente),
            cpu_ms_por_mensaje={
                nombre: round(
                    (cpu_despues[nombre] - cpu_antes.get(nombre, 0.0)) * 1000 / len(lat), 1
                )
                for nombre in sorted(
                    cpu_despues, key=lambda n: -cpu_despues[n] + cpu_antes.get(n, 0)
                )
            },
        )
    finally:
        prod.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--usuarios", type=int, default=50)
    ap.add_argument("--mensajes", type=int, default=20)
    ap.add_argument("--pausa", type=float, nargs=2, default=(3.0, 7.0), metavar=("MIN", "MAX"))
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    ap.add_argument(
        "--nlg",
        nargs="+",
        choices=("con", "sin"),
        default=["con"],
        help="con: respuestas editables del servicio (channels/nlg.py); sin: solo el dominio",
    )
    args = ap.parse_args()
    resultados = []
    for n, modo in [(n, modo) for n in args.replicas for modo in args.nlg]:
        print(
            f"\n== {n} réplica(s), NLG {modo}, {args.usuarios} personas × {args.mensajes} "
            "mensajes ==",
            flush=True,
        )
        r = medir(n, args.usuarios, args.mensajes, tuple(args.pausa), nlg=modo == "con")
        resultados.append(r)
        print(json.dumps(asdict(r), ensure_ascii=False, indent=2), flush=True)
    salida = stack.VAR / "bench-load.json"
    salida.write_text(json.dumps([asdict(r) for r in resultados], indent=2))
    columnas = (
        "réplicas NLG mensajes msg/s p50 p95 p99 máx errores registros duplicados "
        "canalizaciones respuestas hilo"
    ).split()
    print("\n| " + " | ".join(columnas) + " |")
    print("|" + "---|" * len(columnas))
    for r in resultados:
        print(
            f"| {r.replicas} | {'con' if r.nlg else 'sin'} | {r.mensajes} | {r.mensajes_por_s} "
            f"| {r.p50_ms} ms | {r.p95_ms} ms "
            f"| {r.p99_ms} ms | {r.max_ms} ms | {r.errores} | "
            f"{r.registros_con_folio}/{r.registros_esperados} | {r.duplicados} | "
            f"{r.canalizaciones_abiertas}/{r.canalizaciones_esperadas} | "
            f"{r.respuestas_de_promotora_recibidas}/{r.canalizaciones_esperadas} | "
            f"{r.mensajes_en_hilo}/{r.mensajes_en_hilo_esperados} |"
        )
    for r in resultados:
        total = sum(r.cpu_ms_por_mensaje.values())
        partes = ", ".join(f"{n} {v}" for n, v in r.cpu_ms_por_mensaje.items())
        print(f"CPU por mensaje, {r.replicas} réplica(s): {total:.0f} ms ({partes})")
    print(f"(pausa entre mensajes {args.pausa[0]}-{args.pausa[1]} s; {salida})")


if __name__ == "__main__":
    main()
