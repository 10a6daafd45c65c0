"""Benchmark the enrollment service over real HTTP (uvicorn on 127.0.0.1, temp SQLite file).

    python scripts/bench_service.py [--quotes 2000] [--registrations 500] [--concurrency 16]

Prints requests/s, p50/p95 latency and error count for quotes and registrations.
Targets on SQLite: quotes >= 300/s, registrations >= 100/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ASSISTANT_KEY = "bench-assistant-key-0123456789"
ADMIN_KEY = "bench-admin-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_curps(n: int, seed: int = 7) -> list[str]:
    from stdnum.mx import curp

    rng, out, seen = random.Random(seed), [], set()
    letters, cons = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "BCDFGHJKLMNPQRSTVWXZ"
    while len(out) < n:
        prefix = (
            rng.choice(letters)
            + rng.choice("AEIOU")
            + rng.choice(letters)
            + rng.choice(letters)
            + f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            + rng.choice("HM")
            + rng.choice(["JC", "MC", "DF", "NE", "MN", "GT"])
            + "".join(rng.choice(cons) for _ in range(3))
            + rng.choice("0123456789")
        )
        value = prefix + curp.calc_check_digit(prefix)
        if value not in seen and curp.is_valid(value):
            seen.add(value)
            out.append(value)
    return out


def start_server(url: str, port: int) -> subprocess.Popen:
    """uvicorn in its own process (one worker), so the load generator does not share its GIL."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ORIENTA_ASSISTANT_API_KEY": ASSISTANT_KEY,
        "ORIENTA_ADMIN_API_KEY": ADMIN_KEY,
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "servicio.inscripcion.app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


async def drive(
    client, name: str, bodies: list[dict], path: str, concurrency: int, ok: set[int]
) -> dict:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)

    async def worker():
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            t0 = time.perf_counter()
            try:
                r = await client.post(path, json=body)
                if r.status_code not in ok:
                    errors += 1
            except Exception:  # noqa: BLE001
                errors += 1
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    lat = sorted(latencies)
    return {
        "name": name,
        "n": len(bodies),
        "rps": len(bodies) / elapsed,
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": lat[int(0.95 * (len(lat) - 1))] * 1000,
        "errors": errors,
    }


async def main_async(args) -> int:
    import httpx

    from servicio.inscripcion.migrar import aplicar_migraciones

    tmp = tempfile.mkdtemp(prefix="orienta-bench-")
    url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
    aplicar_migraciones(url)
    port = free_port()
    server = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": ASSISTANT_KEY}, limits=limits, timeout=30
    ) as client:
        for _ in range(100):
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
        rng = random.Random(1)
        quotes = [
            {"ingreso_mensual": rng.randint(10000, 80000), "anio": 2026} for _ in range(args.quotes)
        ]
        regs = [
            {
                "consentimiento": {
                    "version_aviso": "2026-01",
                    "aceptado_en": "2026-01-15T10:00:00Z",
                },
                "curp": c,
                "nombre": "Persona De Prueba",
                "email": f"p{i}@example.com",
                "telefono": "(312) 555-1234",
                "pais_residencia": "Estados Unidos",
                "ciudad_residencia": "Chicago",
                "ocupacion": "Carpintero",
                "ingreso_mensual": 15000,
                "moneda": "MXN",
            }
            for i, c in enumerate(make_curps(args.registrations))
        ]
        await drive(client, "warmup", quotes[:50], "/v1/cotizaciones", 4, {200})
        results = [
            await drive(
                client, "cotizaciones", quotes, "/v1/cotizaciones", args.concurrency, {200}
            ),
            await drive(client, "registros", regs, "/v1/registros", args.concurrency, {201}),
        ]
    server.terminate()
    server.wait(timeout=10)
    print(f"{'endpoint':<14}{'n':>7}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    for r in results:
        print(
            f"{r['name']:<14}{r['n']:>7}{r['rps']:>10.1f}{r['p50_ms']:>10.1f}"
            f"{r['p95_ms']:>10.1f}{r['errors']:>8}"
        )
    targets = {"cotizaciones": 300, "registros": 100}
    ok = all(r["rps"] >= targets[r["name"]] and r["errors"] == 0 for r in results)
    print("targets (quotes >= 300/s, registrations >= 100/s, 0 errors):", "OK" if ok else "NOT MET")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
