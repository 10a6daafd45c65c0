"""Start the whole Orienta stack on embedded defaults and wait until it answers.

Used by `make run`, the end-to-end tests and the benchmarks, so all three start it the same way.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scripts import model_cache

ROOT = model_cache.ROOT
VAR = ROOT / "var"
KEYS_FILE = VAR / "orienta.env"


def _interprete(variable: str, venv: str) -> str:
    """The Python of one of the two environments: Rasa's (3.10) or the web service's (3.12)."""
    candidato = ROOT / venv / "bin" / "python"
    return os.environ.get(variable) or (str(candidato) if candidato.exists() else sys.executable)


#: Rasa, the action server and the metrics consumer run on Rasa's environment; the web service
#: (enrollment API, console, page, migrations) on its own, with pydantic 2.
PY_RASA = _interprete("ORIENTA_PY_RASA", ".venv")
PY_SERVICIO = _interprete("ORIENTA_PY_SERVICIO", ".venv-servicio")

RASA_PORT = int(os.environ.get("ORIENTA_RASA_PORT", 5005))
ACTIONS_PORT = int(os.environ.get("ORIENTA_ACTIONS_PORT", 5055))
WEB_PORT = int(os.environ.get("ORIENTA_WEB_PORT", 8000))


def claves_locales() -> dict[str, str]:
    """API keys for one machine: generated once into var/ (git-ignored), never in code."""
    VAR.mkdir(exist_ok=True)
    if not KEYS_FILE.exists():
        keys = {
            "ORIENTA_ASSISTANT_API_KEY": secrets.token_urlsafe(32),
            "ORIENTA_ADMIN_API_KEY": secrets.token_urlsafe(32),
        }
        KEYS_FILE.write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
        KEYS_FILE.chmod(0o600)
    pairs = (line.split("=", 1) for line in KEYS_FILE.read_text().splitlines() if "=" in line)
    return dict(pairs)


def entorno_base() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {"TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false", "PYTHONHASHSEED": "0"}
    )
    for key, value in claves_locales().items():
        env.setdefault(key, value)
    return env


@dataclass
class Pila:
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    log_dir: Path = VAR / "log"

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # The child keeps its own copy of the log descriptor; the parent's can close.
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = proc
        return proc

    def esperar_http(self, name: str, url: str, timeout: float) -> float:
        """Seconds until `url` answers 2xx; raises if the process dies or time runs out."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            proc = self.processes[name]
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} terminó con código {proc.returncode}; ver {self.log_dir}/{name}.log"
                )
            try:
                if httpx.get(url, timeout=2).is_success:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{name} no respondió en {timeout:.0f} s ({url})")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()


def archivo_endpoints(directory: Path, actions_port: int, metricas: bool = True) -> Path:
    """endpoints.yml as in the repository, with the action server on another port (tests,
    benchmarks). The metrics broker posts to the env's ORIENTA_SERVICE_URL."""
    path = directory / "endpoints.yml"
    text = f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
    text += "tracker_store:\n  type: channels.almacen.InMemoryTrackerStoreSeguro\n"
    if metricas:
        text += "event_broker:\n  type: channels.metricas.BrokerMetricas\n"
    path.write_text(text)
    return path


def iniciar_acciones(stack: Pila, env: dict[str, str], port: int = ACTIONS_PORT) -> float:
    stack.start(
        "actions", [PY_RASA, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)], env
    )
    return stack.esperar_http("actions", f"http://127.0.0.1:{port}/health", 120)


def iniciar_rasa(
    stack: Pila,
    env: dict[str, str],
    model: Path,
    port: int = RASA_PORT,
    name: str = "rasa",
    endpoints: str = "endpoints.yml",
) -> float:
    """Returns the cold-start time: process start until the server answers."""
    stack.start(
        name,
        [
            PY_RASA,
            "-m",
            "rasa",
            "run",
            "--model",
            str(model),
            "--port",
            str(port),
            "--endpoints",
            endpoints,
            "--credentials",
            "credentials.yml",
            "--cors",
            "*",
        ],
        env,
    )
    return stack.esperar_http(name, f"http://127.0.0.1:{port}/", 300)


def iniciar_web(stack: Pila, env: dict[str, str], port: int = WEB_PORT) -> float:
    subprocess.run(
        [PY_SERVICIO, "-m", "servicio.inscripcion.migrar"], cwd=ROOT, env=env, check=True
    )
    stack.start(
        "web",
        [
            PY_SERVICIO,
            "-m",
            "uvicorn",
            "servicio.web.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
    )
    return stack.esperar_http("web", f"http://127.0.0.1:{port}/health", 60)


def iniciar_servicio(
    stack: Pila, env: dict[str, str], port: int, database_url: str, name: str = "service"
) -> float:
    """Migrates `database_url` and starts only the enrollment service on it (tests, benchmarks).

    `env` must carry ORIENTA_ASSISTANT_API_KEY and ORIENTA_ADMIN_API_KEY. Once the previous process
    is stopped, calling it again restarts the service on the same database (migrations are
    idempotent)."""
    env = {**env, "DATABASE_URL": database_url}
    migrate = [PY_SERVICIO, "-m", "servicio.inscripcion.migrar", database_url]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True)
    app = "servicio.web.app:app"  # the API, the console and the page, as in production
    stack.start(
        name, [PY_SERVICIO, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)], env
    )
    return stack.esperar_http(name, f"http://127.0.0.1:{port}/health", 60)


def iniciar_recordatorios(stack: Pila, env: dict[str, str]) -> None:
    """The monthly payment reminders (servicio/recordatorios.py), one pass every
    ORIENTA_RECORDATORIOS_INTERVALO_MIN minutes (30 by default); a CronJob in Kubernetes."""
    stack.start("recordatorios", [PY_SERVICIO, "-m", "servicio.recordatorios", "--cada"], env)


CONSOLE_ADMIN_FILE = VAR / "consola-admin.txt"


def primera_cuenta_consola(env: dict[str, str]) -> str:
    """A fresh database gets one admin account; its password goes to a 0600 file in var/."""
    out = subprocess.run(
        [
            PY_SERVICIO,
            "-m",
            "servicio.consola.cuentas",
            "inicial",
            "--archivo",
            str(CONSOLE_ADMIN_FILE),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0 or not out.stdout.strip():
        return ""
    return out.stdout if out.stdout.endswith("\n") else out.stdout + "\n"


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # `kill` stops the stack as cleanly as Ctrl+C does


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    model = model_cache.ensure_model()
    env = entorno_base()
    # The chat page tells the visitor's browser where Rasa's socket.io is.
    env.setdefault("ORIENTA_RASA_PUBLIC_URL", f"http://localhost:{RASA_PORT}")
    stack = Pila()
    try:
        iniciar_acciones(stack, env)
        iniciar_web(stack, env)
        iniciar_recordatorios(stack, env)
        cuenta = primera_cuenta_consola(env)
        print("Iniciando Rasa (tarda unos 30-60 s en cargar el modelo)...", flush=True)
        iniciar_rasa(stack, env, model)
        print(
            "\nOrienta está lista.\n"
            "  Chatear en la terminal:   make chat\n"
            f"  Web (canal REST):         POST http://localhost:{RASA_PORT}/webhooks/rest/webhook\n"
            f"  Web (socket.io):          http://localhost:{RASA_PORT}/socket.io\n"
            f"  Servidor de acciones:     http://localhost:{ACTIONS_PORT}/health\n"
            f"  Página con el chat web:   http://localhost:{WEB_PORT}/\n"
            f"  Consola de promotores:    http://localhost:{WEB_PORT}/consola\n"
            f"{cuenta}"
            f"  Servicio de inscripción:  http://localhost:{WEB_PORT}/docs\n"
            f"  Bitácoras:                {stack.log_dir}\n"
            "Ctrl+C para detener.",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        dead = [n for n, p in stack.processes.items() if p.poll() is not None]
        print(f"Se detuvo: {', '.join(dead)}; revisa {stack.log_dir}.", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nDeteniendo Orienta...")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
