"""`make bench`: NLU quality of Orienta's pipeline beside DIET + ResponseSelector and Rasa's
default pipeline (same data), on the team's held-out split and on the held-out half of the real
questions; training time; REST latency, server memory and cold start, on this machine. Prints a
summary and writes results/bench.json. `--solo-orienta` skips the two other pipelines (~2 h each
on 2 cores); `--pipelines rasa_default` measures only the ones named; `--solo-nlu` stops after the
NLU comparison (step 1)."""

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psutil

from scripts import model_cache, nlu_eval, stack

ROOT = model_cache.ROOT
MESSAGES = 200
CONCURRENCY = 8
THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
#: The pipelines compared, each trained from scratch on the same data.
PIPELINES = {
    "orienta": ROOT / "config.yml",
    "rasa_default": ROOT / "bench" / "config_rasa_default.yml",
    "diet_selector": ROOT / "bench" / "config_diet_selector.yml",
}


def lotes_reales() -> list[int]:
    """The collection batches of the real questions (tests/nlu/reales.yml, field ``lote``)."""
    return sorted({q.get("lote", 1) for q in nlu_eval._preguntas_reales(nlu_eval.REALES)})


def medir_pipeline(nombre: str, config: Path, tmp: Path) -> dict:
    """Train one pipeline's NLU from scratch and score it on both held-out sets."""
    # Rasa writes the pipeline it picks into the config file: give it a copy.
    copia = Path(shutil.copy(config, tmp / f"{nombre}.yml"))
    segundos = model_cache.train(copia, tmp / nombre, nombre, nlu_only=True, fresh=True)
    agente = nlu_eval.load_agent(tmp / nombre / f"{nombre}.tar.gz")
    reservado = nlu_eval.predict(agente, nlu_eval.heldout_examples())
    predichas = nlu_eval.predict(agente, nlu_eval.reales_examples("prueba"))
    reales = {**nlu_eval.reales_score(predichas), **nlu_eval.reales_score_sin_contexto(predichas)}
    # Each batch of real questions scored apart: the last one collected is the fairest test, as
    # nobody read its held-out half before this measurement.
    por_lote = {
        f"reales_lote{lote}_{k}": v if v is None else round(v, 4)
        for lote in lotes_reales()
        for k, v in nlu_eval.reales_score(nlu_eval.del_lote(predichas, lote)).items()
    }
    return {
        "entrenamiento_nlu_s": round(segundos),
        **nlu_eval.scores(reservado),
        **nlu_eval.exactitud(reservado),
        **{f"reales_{k}": round(v, 4) for k, v in reales.items()},
        **por_lote,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def send_all(url: str, texts: list[str], users: int) -> tuple[list[float], int]:
    """Latencies in ms; `users` conversations at once, each sending its messages one by one
    (a person waits for the answer before writing again). Conversations are 10 messages long."""
    latencies: list[float] = []
    errors = 0
    run_id = uuid.uuid4().hex[:6]
    conversations = [texts[i : i + 10] for i in range(0, len(texts), 10)]
    queue: asyncio.Queue = asyncio.Queue()
    for number, conversation in enumerate(conversations):
        queue.put_nowait((f"bench-{run_id}-{number}", conversation))

    async def user(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            sender, conversation = queue.get_nowait()
            for text in conversation:
                started = time.perf_counter()
                try:
                    r = await client.post(url, json={"sender": sender, "message": text})
                    r.raise_for_status()
                    latencies.append((time.perf_counter() - started) * 1000)
                except httpx.HTTPError:
                    errors += 1

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(user(client) for _ in range(users)))
    return latencies, errors


def latency_row(latencies: list[float], errors: int) -> dict:
    return {
        "mensajes": len(latencies) + errors,
        "errores": errors,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
    }


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solo-orienta", action="store_true")
    parser.add_argument("--pipelines", nargs="+", choices=list(PIPELINES), default=list(PIPELINES))
    parser.add_argument("--solo-nlu", action="store_true")
    args = parser.parse_args(argv)
    nombres = ["orienta"] if args.solo_orienta else args.pipelines
    results: dict = {}

    print("1/4 Calidad NLU: este pipeline y los de comparación, entrenados desde cero...")
    results["nlu"] = {}
    # Named after the pipelines: a run of Rasa's default alone does not overwrite Orienta's row.
    parcial = ROOT / "results" / f"bench-nlu-{'-'.join(nombres)}.json"
    parcial.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in nombres:
            # Each row is saved as soon as it is measured: the comparison takes ~40 minutes.
            results["nlu"][n] = medir_pipeline(n, PIPELINES[n], Path(tmp))
            parcial.write_text(json.dumps(results["nlu"], indent=2, ensure_ascii=False))
            print(f"  {n}: {json.dumps(results['nlu'][n], ensure_ascii=False)}", flush=True)
    if args.solo_nlu:
        print_nlu(results["nlu"])
        return
    model = model_cache.ensure_model()
    predictions = nlu_eval.heldout_predictions(model)
    results["umbral_fallback"] = nlu_eval.threshold_table(predictions, THRESHOLDS)

    print("2/4 Tiempo de entrenamiento completo (NLU + diálogo) desde cero...")
    with tempfile.TemporaryDirectory() as tmp:
        seconds = model_cache.train(ROOT / "config.yml", Path(tmp), "t", fresh=True)
        results["entrenamiento_s"] = round(seconds)

    print("3/4 Arranque en frío y latencia del canal REST...")
    texts = [t for t, _ in nlu_eval.heldout_examples()]
    texts = (texts * (MESSAGES // len(texts) + 1))[:MESSAGES]
    running, env = stack.Pila(log_dir=ROOT / "var" / "log" / "bench"), stack.entorno_base()
    try:
        stack.iniciar_acciones(running, env)
        results["arranque_en_frio_s"] = round(stack.iniciar_rasa(running, env, model), 1)
        url = f"http://127.0.0.1:{stack.RASA_PORT}/webhooks/rest/webhook"
        asyncio.run(send_all(url, texts[:20], 1))  # warm-up, not measured
        results["rest_secuencial"] = latency_row(*asyncio.run(send_all(url, texts, 1)))
        results[f"rest_{CONCURRENCY}_concurrentes"] = latency_row(
            *asyncio.run(send_all(url, texts, CONCURRENCY))
        )
        print("4/4 Memoria del servidor...")
        results["rss_rasa_mb"] = round(rss_mb(running.processes["rasa"].pid))
        results["rss_acciones_mb"] = round(rss_mb(running.processes["actions"].pid))
    finally:
        running.stop()

    out = ROOT / "results" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_summary(results)
    print(f"\n(detalle en {out.relative_to(ROOT)})")


def filas() -> list[tuple[str, str, str]]:
    """The rows of the NLU table: one pair per batch of real questions, after the totals."""
    por_lote = [
        fila
        for lote in lotes_reales()
        for fila in (
            (f"reales_lote{lote}_en_alcance", f"  de ellas, lote {lote}, en alcance", "{:.1%}"),
            (f"reales_lote{lote}_fuera_rechazadas", f"  de ellas, lote {lote}, fuera", "{:.1%}"),
        )
    ]
    return [*FILAS[:2], *por_lote, *FILAS[2:]]


FILAS = (
    ("reales_en_alcance", "Reales (prueba), en alcance con la entrada correcta", "{:.1%}"),
    ("reales_fuera_rechazadas", "Reales (prueba), fuera de alcance rechazadas", "{:.1%}"),
    ("reales_sin_contexto_en_alcance", "  leídas sin su página (auditoría), en alcance", "{:.1%}"),
    ("reales_sin_contexto_fuera", "  leídas sin su página (auditoría), fuera", "{:.1%}"),
    ("reales_a_fallback", "Reales (prueba), en alcance al fallback", "{:.1%}"),
    ("reales_en_alcance_o_sugerida", "Reales (prueba), correcta o entre las sugeridas", "{:.1%}"),
    ("exactitud", "Reservado del equipo, exactitud", "{:.1%}"),
    ("macro_f1_con_fallback", "Reservado del equipo, macro-F1 con fallback", "{:.3f}"),
    ("a_fallback", "Reservado del equipo, en alcance al fallback", "{:.1%}"),
    ("entrenamiento_nlu_s", "Entrenamiento NLU desde cero (s)", "{}"),
)


def celda(columna: dict, clave: str, formato: str) -> str:
    """One cell of the NLU table; "–" for a share of no questions (not "0.0 %")."""
    return "–" if columna[clave] is None else formato.format(columna[clave])


def print_nlu(nlu: dict) -> None:
    """The NLU table, one column per pipeline measured."""
    print("\n" + " " * 52 + "".join(f"{n:>15}" for n in nlu))
    for clave, titulo, formato in filas():
        print(f"  {titulo:<50}" + "".join(f"{celda(v, clave, formato):>15}" for v in nlu.values()))
    o = next(iter(nlu.values()))
    lotes = "; ".join(
        f"lote {lote}: {o[f'reales_lote{lote}_n_en_alcance']} en alcance,"
        f" {o[f'reales_lote{lote}_n_fuera']} fuera"
        for lote in lotes_reales()
    )
    print(
        f"  (reales: {o['reales_n_en_alcance']} en alcance, {o['reales_n_sin_entrada']} sin entrada"
        f" que las responda, {o['reales_n_fuera']} fuera de alcance; {lotes})"
    )


def print_summary(r: dict) -> None:
    print_nlu(r["nlu"])
    print("\nUmbral del fallback: correctas / al fallback / fuera de alcance con respuesta PTI")
    for row in r["umbral_fallback"]:
        print(
            f"  {row['umbral']:.1f}: {row['correctas']:.1%} / {row['a_fallback']:.1%} / "
            f"{row['fuera_con_respuesta_pti']:.1%}"
        )
    for key in ("rest_secuencial", f"rest_{CONCURRENCY}_concurrentes"):
        row = r[key]
        print(
            f"\n{key}: {row['mensajes']} mensajes, p50 {row['p50_ms']} ms, "
            f"p95 {row['p95_ms']} ms, max {row['max_ms']} ms, errores {row['errores']}"
        )
    print(
        f"\nEntrenamiento: {r['entrenamiento_s']} s   Arranque en frío: {r['arranque_en_frio_s']} s"
    )
    print(f"RSS: Rasa {r['rss_rasa_mb']} MB, acciones {r['rss_acciones_mb']} MB")


if __name__ == "__main__":
    main()
