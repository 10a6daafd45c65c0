"""Static checks of deploy/: compose, Kubernetes manifests, Dockerfile, .dockerignore.

Nothing runs here (no Docker daemon, no cluster). `docker compose config` and `kubectl kustomize`
run only when their CLIs are installed; otherwise those tests are skipped with the reason.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
ENDPOINTS = DEPLOY / "endpoints.prod.yml"

SECRET_NAME = re.compile(r"(PASSWORD|PASS|KEY|TOKEN|SECRET|SALT|SID)$")
REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")
PLACEHOLDER = re.compile(r"^(CAMBIAR-[A-Za-z0-9-]*|AC[x]{32}|)$")
APP_PORTS = {"rasa": 5005, "actions": 5055, "web": 8000}
DATABASES = {"postgres", "redis", "rabbitmq"}
ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def k8s_files() -> list[Path]:
    """The manifests (kustomization.yaml is kustomize's own file, not a Kubernetes object)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def k8s_docs() -> list[tuple[Path, dict]]:
    return [(path, doc) for path in k8s_files() for doc in load_all(path)]


def workloads() -> list[tuple[str, dict]]:
    kinds = {"Deployment", "StatefulSet", "DaemonSet"}
    return [(doc["metadata"]["name"], doc) for _, doc in k8s_docs() if doc["kind"] in kinds]


def env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def app_services(services: dict) -> dict:
    return {name: svc for name, svc in services.items() if "build" in svc}


def role(name: str) -> str:
    """rasa-1/rasa-2 -> rasa; the nginx service named rasa is the load balancer."""
    return re.sub(r"-\d+$", "", name)


def command_text(svc: dict) -> str:
    command = svc.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


# --- every YAML file parses ---------------------------------------------------------------


YAML_FILES = sorted({*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml")})


def test_deploy_has_yaml_files():
    names = {p.relative_to(DEPLOY).as_posix() for p in YAML_FILES}
    assert {"docker-compose.yml", "kustomization.yaml", "k8s/kustomization.yaml"} <= names


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_yaml_parses(path: Path):
    docs = load_all(path)
    assert docs, f"{path} is empty"
    assert all(isinstance(doc, dict) for doc in docs)


# --- docker compose -----------------------------------------------------------------------


def test_compose_has_the_services(services: dict):
    expected = {"rasa", "actions", "web", "postgres", "redis", "rabbitmq", "metricas-consumidor"}
    assert expected <= services.keys()
    rasa_replicas = [name for name in services if re.fullmatch(r"rasa-\d+", name)]
    assert len(rasa_replicas) >= 2, "two Rasa replicas behind the load balancer"
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3-management")


def test_compose_every_service_has_healthcheck_restart_and_limits(services: dict):
    for name, svc in services.items():
        check = svc.get("healthcheck")
        assert check and check.get("test"), f"{name}: no healthcheck"
        assert not check.get("disable"), f"{name}: healthcheck disabled"
        assert svc.get("restart") in {"always", "unless-stopped", "on-failure"}, name
        resources = svc.get("deploy", {}).get("resources", {})
        limits, reservations = resources.get("limits", {}), resources.get("reservations", {})
        assert limits.get("cpus") and limits.get("memory"), f"{name}: no limits"
        assert reservations.get("memory"), f"{name}: no memory reservation"


def test_compose_every_service_has_an_image_or_build(services: dict):
    for name, svc in services.items():
        assert svc.get("image") or svc.get("build"), name
    for name, svc in app_services(services).items():
        assert svc["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert (DEPLOY / svc["build"]["context"] / svc["build"]["dockerfile"]).is_file()


def _environment_items(svc: dict):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env.items()


def test_compose_no_literal_secrets(services: dict):
    for name, svc in services.items():
        for key, value in _environment_items(svc):
            if SECRET_NAME.search(key):
                assert isinstance(value, str) and REFERENCE.match(value), (
                    f"{name}: {key} must be a ${{...}} reference, not a literal"
                )
            if key == "DATABASE_URL":
                # With every ${...} removed, the user:password part must be empty.
                userinfo = re.search(r"://([^@/]*)@", re.sub(r"\$\{[^}]*\}", "", value))
                assert userinfo and userinfo.group(1) == ":", f"{name}: literal DATABASE_URL"


def test_compose_required_secrets_fail_fast(services: dict):
    """A missing key must stop `docker compose up`, not start a service without it."""
    for name, svc in services.items():
        for key, value in _environment_items(svc):
            if key.endswith(("PASSWORD", "API_KEY", "TRACKER_KEY", "DEFAULT_PASS")):
                assert ":?" in value, f"{name}: {key} should be ${{VAR:?...}}"


def test_compose_databases_gate_their_clients(services: dict):
    for name, svc in services.items():
        if name in DATABASES:
            continue
        depends = svc.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for dep, spec in depends.items():
            if dep in DATABASES:
                assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"
    rasa = services["rasa-1"]["depends_on"]
    assert rasa.keys() >= DATABASES, "Rasa needs the tracker, lock store and broker"
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["metricas-consumidor"]["depends_on"]["rabbitmq"]["condition"] == (
        "service_healthy"
    )


def test_compose_ports_match_the_app(services: dict):
    for name, svc in app_services(services).items():
        port = APP_PORTS.get(role(name))
        if port is None:  # the consumer listens on nothing
            continue
        text = command_text(svc) + " " + " ".join(svc["healthcheck"]["test"])
        assert f"--port {port}" in command_text(svc), f"{name}: command port"
        assert f"127.0.0.1:{port}/" in text, f"{name}: healthcheck port"
    assert "http://127.0.0.1:5005/" in services["rasa-1"]["healthcheck"]["test"]
    assert "http://127.0.0.1:5055/health" in services["actions"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/health" in services["web"]["healthcheck"]["test"]
    published = {p.split(":")[-1] for svc in services.values() for p in svc.get("ports", [])}
    assert {"5005", "8000"} <= published
    for svc in services.values():
        for mapping in svc.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), f"{mapping}: publish on localhost only"


def test_compose_load_balancer_points_at_the_replicas(services: dict):
    conf_mount = next(v for v in services["rasa"]["volumes"] if "nginx" in v)
    conf = (DEPLOY / conf_mount.split(":")[0]).read_text()
    replicas = sorted(n for n in services if re.fullmatch(r"rasa-\d+", n))
    for name in replicas:
        assert f"server {name}:5005" in conf
    assert "listen 5005;" in conf
    assert re.search(r"upstream rasa_chat \{[^}]*\bhash\b", conf), "socket.io needs stickiness"
    assert "/webhooks/twilio_orienta/" in conf


def test_compose_urls_between_services(services: dict):
    env = dict(_environment_items(services["rasa-1"]))
    assert "http://web:8000" in env["ORIENTA_SERVICE_URL"]
    assert "http://actions:5055/webhook" in env["ORIENTA_ACTIONS_URL"]
    assert "http://rasa:5005" in dict(_environment_items(services["web"]))["ORIENTA_RASA_URL"]
    assert "servicio.inscripcion.migrar" in command_text(services["web"]), (
        "migrations before the app"
    )


def test_compose_commands_name_existing_modules(services: dict):
    for name, svc in app_services(services).items():
        for module in re.findall(r"-m ([a-z_][a-z0-9_.]*)", command_text(svc)):
            top = module.split(".")[0]
            if top in {"rasa", "rasa_sdk", "uvicorn"}:
                continue
            path = ROOT / Path(*module.split("."))
            assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), (
                f"{name}: python -m {module} does not exist"
            )


def test_compose_postgres_has_named_volume(compose: dict):
    volumes = compose["services"]["postgres"]["volumes"]
    named = [v.split(":")[0] for v in volumes if not v.startswith((".", "/"))]
    assert named and all(n in compose["volumes"] for n in named)
    assert any(v.endswith(":/var/lib/postgresql/data") for v in volumes)


def test_compose_mounted_files_exist(services: dict):
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), f"{name}: {source}"


def test_env_example_covers_compose_and_has_only_placeholders(compose: dict):
    env = env_example()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    missing = used - env.keys()
    assert not missing, f"variables used by compose but absent from .env.example: {missing}"
    for key, value in env.items():
        if SECRET_NAME.search(key):
            assert PLACEHOLDER.match(value), f"{key} in .env.example is not a placeholder"
    keys = ("ORIENTA_ASSISTANT_API_KEY", "ORIENTA_ADMIN_API_KEY")
    assert all(len(env[k]) >= 16 for k in keys), "the service refuses keys under 16 characters"
    assert env[keys[0]] != env[keys[1]]
    assert env["ORIENTA_CONSOLA_COOKIE_SECURE"] == "true"
    assert env["ORIENTA_TWILIO_PUBLIC_URL"].startswith("https://")
    assert env["ORIENTA_API_DOCS"] == "false"


def test_endpoints_custom_classes_import():
    """Our stores are named by module path: a typo would only show when Rasa starts."""
    from rasa.shared.utils.common import class_from_module_path

    tipos = {
        seccion: cfg["type"]
        for seccion, cfg in yaml.safe_load(ENDPOINTS.read_text()).items()
        if isinstance(cfg, dict) and "." in str(cfg.get("type", ""))
    }
    assert tipos["lock_store"] == "channels.cerrojo.RedisLockStoreAtomico"
    assert tipos["tracker_store"] == "channels.almacen.SQLTrackerStoreSeguro"
    for ruta in tipos.values():
        assert isinstance(class_from_module_path(ruta), type), ruta


def test_endpoints_variables_reach_rasa(services: dict):
    needed = set(ENV_REF.findall(json.dumps(yaml.safe_load(ENDPOINTS.read_text()))))
    assert needed, "endpoints.prod.yml should take its values from the environment"
    for name in (n for n in services if re.fullmatch(r"rasa-\d+", n)):
        given = {key for key, _ in _environment_items(services[name])}
        assert needed <= given, f"{name} lacks {needed - given}"
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    rasa = dict(workloads())["rasa"]["spec"]["template"]["spec"]["containers"][0]
    given = set(config) | {e["name"] for e in rasa.get("env", [])}
    assert needed <= given, f"k8s rasa lacks {needed - given}"


def _docker_compose_available() -> str | None:
    if shutil.which("docker") is None:
        return "docker CLI not installed"
    out = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if out.returncode != 0:
        return "docker compose plugin missing (`docker compose version` failed)"
    return None


def test_docker_compose_config_validates():
    reason = _docker_compose_available()
    if reason:
        pytest.skip(reason)
    out = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "--env-file", str(ENV_EXAMPLE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr


# --- Kubernetes ---------------------------------------------------------------------------


def test_k8s_documents_are_named_objects():
    docs = k8s_docs()
    assert len(docs) >= 10
    for path, doc in docs:
        assert doc.get("apiVersion") and doc.get("kind"), path.name
        assert doc.get("metadata", {}).get("name"), f"{path.name}: {doc.get('kind')} unnamed"


def test_k8s_has_the_workloads():
    replicas = {name: doc["spec"]["replicas"] for name, doc in workloads()}
    assert replicas == {"rasa": 2, "actions": 2, "web": 2, "metricas-consumidor": 1}
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in k8s_docs()}
    for name in ("rasa", "actions", "web"):
        assert ("Service", name) in kinds
    assert ("HorizontalPodAutoscaler", "rasa") in kinds
    assert ("PodDisruptionBudget", "rasa") in kinds


def _containers(doc: dict, init: bool = False) -> list[dict]:
    spec = doc["spec"]["template"]["spec"]
    return spec.get("containers", []) + (spec.get("initContainers", []) if init else [])


def test_k8s_every_container_has_requests_and_limits():
    for name, doc in workloads():
        for c in _containers(doc, init=True):
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= res.get(part, {}).keys(), f"{name}/{c['name']}"


def _port_numbers(container: dict) -> dict:
    ports = {}
    for p in container.get("ports", []):
        ports[p["containerPort"]] = p["containerPort"]
        if "name" in p:
            ports[p["name"]] = p["containerPort"]
    return ports


def test_k8s_every_container_has_probes_on_its_ports():
    for name, doc in workloads():
        for c in _containers(doc):
            ports = _port_numbers(c)
            for kind in ("readinessProbe", "livenessProbe"):
                probe = c.get(kind)
                assert probe, f"{name}/{c['name']}: no {kind}"
                handler = probe.get("httpGet") or probe.get("tcpSocket")
                if handler is None:
                    assert probe.get("exec", {}).get("command"), f"{name}: {kind} is empty"
                    assert not ports, f"{name}: exec probe on a container that has ports"
                    continue
                assert handler["port"] in ports, f"{name}: {kind} on a port it does not open"


def test_k8s_ports_match_the_app():
    wl = dict(workloads())
    for name, port in APP_PORTS.items():
        container = _containers(wl[name])[0]
        assert port in _port_numbers(container).values(), name
        assert str(port) in container["args"], f"{name}: args do not use port {port}"
    services = {d["metadata"]["name"]: d for _, d in k8s_docs() if d["kind"] == "Service"}
    for name, port in APP_PORTS.items():
        assert [p["port"] for p in services[name]["spec"]["ports"]] == [port]
        selector = services[name]["spec"]["selector"]
        labels = wl[name]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"Service {name} selects no pod"
    rasa = _containers(wl["rasa"])[0]
    assert rasa["readinessProbe"]["httpGet"]["path"] == "/"
    assert _containers(wl["actions"])[0]["readinessProbe"]["httpGet"]["path"] == "/health"
    assert _containers(wl["web"])[0]["readinessProbe"]["httpGet"]["path"] == "/health"


def test_k8s_rasa_sizing_hpa_and_pdb():
    docs = {(d["kind"], d["metadata"]["name"]): d for _, d in k8s_docs()}
    rasa = _containers(docs[("Deployment", "rasa")])[0]["resources"]
    assert rasa["requests"]["memory"] in {"1Gi", "1024Mi"}, "RSS ~785 MB -> 1 GiB request"
    assert rasa["limits"]["memory"] not in {"512Mi", "768Mi"}
    hpa = docs[("HorizontalPodAutoscaler", "rasa")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "rasa"}
    assert hpa["minReplicas"] >= 2 and hpa["maxReplicas"] > hpa["minReplicas"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    pdb = docs[("PodDisruptionBudget", "rasa")]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= (
        docs[("Deployment", "rasa")]["spec"]["template"]["metadata"]["labels"].items()
    )


def test_k8s_pods_run_as_non_root():
    for name, doc in workloads():
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        for c in _containers(doc, init=True):
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, name


def test_k8s_secret_template_has_only_placeholders():
    secrets = [(p, d) for p, d in k8s_docs() if d["kind"] == "Secret"]
    assert secrets, "a Secret template is expected"
    for path, doc in secrets:
        assert "data" not in doc, f"{path.name}: use stringData placeholders, not base64 data"
        for key, value in doc["stringData"].items():
            assert PLACEHOLDER.match(str(value)) and value, f"{path.name}: {key} not a placeholder"


def test_k8s_secret_keys_cover_every_reference():
    template = next(d for _, d in k8s_docs() if d["kind"] == "Secret")
    keys = set(template["stringData"])
    for name, doc in workloads():
        for c in _containers(doc, init=True):
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == template["metadata"]["name"], name
                    assert ref["key"] in keys, f"{name}: {ref['key']} not in the template"
                elif SECRET_NAME.search(env["name"]):
                    pytest.fail(f"{name}: {env['name']} set as a literal value")


def test_k8s_config_map_has_no_secrets():
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")
    leaked = [k for k in config["data"] if SECRET_NAME.search(k)]
    assert not leaked


def _kustomization(directory: Path) -> dict:
    return yaml.safe_load((directory / "kustomization.yaml").read_text())


def _ruta_publica(ruta: str) -> str | None:
    """The Service the public ingress sends ``ruta`` to (any host), else None."""
    for _, doc in k8s_docs():
        if doc["kind"] != "Ingress":
            continue
        for regla in doc["spec"]["rules"]:
            for p in regla["http"]["paths"]:
                base, tipo = p["path"], p["pathType"]
                if tipo == "Exact":
                    coincide = ruta == base
                else:  # Prefix (and ImplementationSpecific, read as a prefix: the strict case)
                    raiz = base.rstrip("/")
                    coincide = ruta == base or ruta.startswith(raiz + "/")
                if coincide:
                    return p["backend"]["service"]["name"]
    return None


@pytest.mark.parametrize(
    "ruta",
    [
        "/docs",
        "/redoc",
        "/openapi.json",
        "/health",
        "/v1/registros/consulta",
        "/v1/registros/OR-7K2M9P4QXZ",
        "/v1/canalizaciones",
        "/v1/metricas",
    ],
)
def test_k8s_ingress_never_exposes_the_api_or_its_docs(ruta: str):
    assert _ruta_publica(ruta) is None, f"{ruta} is reachable from the public ingress"


@pytest.mark.parametrize(
    ("ruta", "servicio"),
    [
        ("/", "web"),
        ("/static/orienta-chat.js", "web"),
        ("/privacidad", "web"),
        ("/consola/entrar", "web"),
        ("/socket.io/", "rasa"),
        ("/webhooks/twilio_orienta/webhook", "rasa"),
    ],
)
def test_k8s_ingress_routes_what_people_use(ruta: str, servicio: str):
    assert _ruta_publica(ruta) == servicio


def _politicas() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for _, d in k8s_docs() if d["kind"] == "NetworkPolicy"}


def _origenes(politica: dict) -> set[str]:
    nombres = set()
    for regla in politica["spec"].get("ingress", []):
        for origen in regla.get("from", []):
            etiquetas = (origen.get("podSelector") or {}).get("matchLabels") or {}
            espacio = (origen.get("namespaceSelector") or {}).get("matchLabels") or {}
            nombres |= set(etiquetas.values()) | {f"ns:{v}" for v in espacio.values()}
    return nombres


def test_k8s_network_policies_deny_by_default():
    negar = _politicas()["todo-denegado"]["spec"]
    assert negar["podSelector"] == {} and negar["policyTypes"] == ["Ingress"]
    assert "ingress" not in negar


@pytest.mark.parametrize(
    ("politica", "clientes"),
    [
        ("postgresql", {"web", "rasa", "tracker-retencion", "pago-recordatorios"}),
        ("redis", {"rasa"}),
        ("rabbitmq", {"rasa", "metricas-consumidor"}),
        ("actions", {"rasa"}),
        ("rasa", {"ns:ingress-nginx", "web"}),
        ("web", {"ns:ingress-nginx", "rasa", "actions", "metricas-consumidor"}),
    ],
)
def test_k8s_network_policies_only_the_clients(politica: str, clientes: set[str]):
    """Redis, RabbitMQ, PostgreSQL and the action server used to accept any pod."""
    assert _origenes(_politicas()[politica]) == clientes


def test_k8s_every_client_of_a_policy_exists():
    nombres = {name for name, _ in workloads()} | {
        d["metadata"]["name"] for _, d in k8s_docs() if d["kind"] == "CronJob"
    }
    for politica in _politicas().values():
        for origen in _origenes(politica):
            assert origen.startswith("ns:") or origen in nombres, origen


def test_redis_requires_auth_everywhere(services: dict):
    comando = services["redis"]["command"]
    assert "--requirepass" in comando
    assert comando[comando.index("--requirepass") + 1].startswith("${ORIENTA_REDIS_PASSWORD:?")
    rasa = services["rasa-1"]["environment"]
    assert "${ORIENTA_REDIS_PASSWORD" in rasa["ORIENTA_REDIS_URL"]
    assert "password: ${ORIENTA_REDIS_PASSWORD}" in ENDPOINTS.read_text()
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    assert "ORIENTA_REDIS_URL" not in config  # it holds the password: in the Secret


def test_tracker_and_registrations_have_separate_database_roles(services: dict):
    rasa = services["rasa-1"]["environment"]
    web = services["web"]["environment"]
    assert rasa["ORIENTA_PG_USER"] == "${ORIENTA_PG_TRACKER_USER:-orienta_tracker}"
    assert rasa["ORIENTA_PG_PASSWORD"].startswith("${ORIENTA_PG_TRACKER_PASSWORD:?")
    assert "ORIENTA_PG_TRACKER" not in web["DATABASE_URL"]
    init = (DEPLOY / "postgres" / "10-tracker-db.sh").read_text()
    assert "CREATE ROLE" in init and "REVOKE CONNECT" in init
    for nombre, doc in workloads() + [
        (d["metadata"]["name"], d) for _, d in k8s_docs() if d["kind"] == "CronJob"
    ]:
        plantilla = doc["spec"].get("template")
        if plantilla is None:
            plantilla = doc["spec"]["jobTemplate"]["spec"]["template"]
        entorno = {e["name"]: e for c in plantilla["spec"]["containers"] for e in c.get("env", [])}
        if nombre in ("rasa", "tracker-retencion"):
            clave = entorno["ORIENTA_PG_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"]
            assert clave == "ORIENTA_PG_TRACKER_PASSWORD", nombre
            usuario = entorno["ORIENTA_PG_USER"]["valueFrom"]["configMapKeyRef"]["key"]
            assert usuario == "ORIENTA_PG_TRACKER_USER", nombre


def test_k8s_ingresses_limit_requests_per_address():
    for _, doc in k8s_docs():
        if doc["kind"] == "Ingress":
            anotaciones = doc["metadata"]["annotations"]
            assert int(anotaciones["nginx.ingress.kubernetes.io/limit-rpm"]) > 0, doc["metadata"]


def test_k8s_and_compose_turn_the_api_docs_off(services: dict):
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    assert config["ORIENTA_API_DOCS"] == "false"
    assert services["web"]["environment"]["ORIENTA_API_DOCS"] == "${ORIENTA_API_DOCS:-false}"


def test_web_believes_forwarded_headers_only_from_the_configured_proxy(services: dict):
    """uvicorn's own proxy handling is off; the app's (ORIENTA_PROXIES_CONFIABLES) never "*"."""
    web = next(doc for name, doc in workloads() if name == "web")
    (contenedor,) = web["spec"]["template"]["spec"]["containers"]
    assert "--no-proxy-headers" in contenedor["args"]
    assert "--proxy-headers" not in contenedor["args"]
    entornos = [
        e
        for c in web["spec"]["template"]["spec"].get("initContainers", [])
        for e in c.get("env", [])
    ]
    entornos += contenedor.get("env", [])
    valores = {e["name"]: e.get("value") for e in entornos}
    assert "FORWARDED_ALLOW_IPS" not in valores
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    assert config["ORIENTA_PROXIES_CONFIABLES"] not in ("", "*")
    comando = " ".join(services["web"]["command"])
    assert "--no-proxy-headers" in comando and "--proxy-headers --" not in comando
    assert "FORWARDED_ALLOW_IPS" not in services["web"]["environment"]
    assert "ORIENTA_PROXIES_CONFIABLES" in services["web"]["environment"]
    assert "--no-proxy-headers" in (DEPLOY / "Dockerfile").read_text()
    rasa = services["rasa-1"]["environment"]["ORIENTA_PROXIES_CONFIABLES"]
    assert "*" not in rasa


def test_kustomizations_list_existing_files():
    for directory in (K8S, DEPLOY):
        kust = _kustomization(directory)
        for resource in kust.get("resources", []):
            assert (directory / resource).exists(), f"{directory.name}: {resource}"
        for gen in kust.get("configMapGenerator", []):
            for entry in gen.get("files", []):
                source = directory / entry.split("=")[-1]
                assert source.is_file(), f"{directory.name}: {entry}"
    listed = set(_kustomization(K8S)["resources"])
    on_disk = {p.name for p in k8s_files()} - {"secret.example.yaml"}
    assert listed == on_disk, "every manifest is applied (except the Secret template)"
    assert "secret.example.yaml" not in listed, "apply must never overwrite the real Secret"


def test_k8s_endpoints_config_map_is_mounted_by_rasa():
    gen = _kustomization(DEPLOY)["configMapGenerator"][0]
    rasa = dict(workloads())["rasa"]["spec"]["template"]["spec"]
    names = [v["configMap"]["name"] for v in rasa["volumes"] if "configMap" in v]
    assert gen["name"] in names
    args = rasa["containers"][0]["args"]
    endpoints_arg = args[args.index("--endpoints") + 1]
    mount = next(
        m["mountPath"]
        for m in rasa["containers"][0]["volumeMounts"]
        if m["name"] == next(v["name"] for v in rasa["volumes"] if "configMap" in v)
    )
    assert endpoints_arg == f"{mount}/{Path(gen['files'][0]).name}"


def test_kustomize_build():
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl not installed")
    out = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert all(
        d["metadata"].get("namespace") == "orienta" for d in docs if d["kind"] != "Namespace"
    )
    cm = next(d for d in docs if d["kind"] == "ConfigMap" and "endpoints" in d["metadata"]["name"])
    assert cm["metadata"]["name"] != "orienta-endpoints", "content hash suffix expected"
    rasa = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa")
    volumes = rasa["spec"]["template"]["spec"]["volumes"]
    assert cm["metadata"]["name"] in [v.get("configMap", {}).get("name") for v in volumes]


# --- Dockerfile and .dockerignore ---------------------------------------------------------
#
# Two images from deploy/Dockerfile, one per Python environment (requirements/):
# the Rasa side (Python 3.10, requirements/rasa.in) and the web service (Python 3.12,
# requirements/servicio.in). Targets are checked by what reaches them: the stages they build
# FROM and every stage they COPY --from.

DOCKERFILE = DEPLOY / "Dockerfile"
REQUIREMENTS = ROOT / "requirements"
# Per image role: its Dockerfile targets (the first is the one compose builds), image name,
# Python and requirements/<stem>.in + .lock.
TARGETS = {"rasa": ("rasa", "rasa-sin-modelo"), "web": ("web",)}
IMAGES = {"rasa": "orienta-rasa", "web": "orienta-web"}
PYTHONS = {"rasa": "python:3.10", "web": "python:3.12"}
REQS = {"rasa": "rasa", "web": "servicio"}
# Test, lint and benchmark tools: in requirements/*-dev.in, never in an image.
TEST_TOOLS = {
    "pytest",
    "pytest-asyncio",
    "ruff",
    "playwright",
    "schemathesis",
    "hypothesis",
    "mypy",
    "respx",
    "locust",
    "import-linter",
}
# Our packages (bot, servicio, channels, actions, scripts...): an import of one must be copied.
FIRST_PARTY = {p.parent.name for p in ROOT.glob("*/__init__.py")}
# Entry points of each image (python -m ...), from compose, k8s and the Dockerfile's header.
ENTRY_MODULES = {
    "web": [
        "servicio.web.app",
        "servicio.inscripcion.migrar",
        "servicio.consola.cuentas",
        "servicio.recordatorios",
    ],
    "rasa": ["channels.consumidor_metricas", "channels.retencion"],
}
# Files read at run time (not imported), relative to the repository root.
DATA_FILES = {
    "web": [
        "data/ventanillas/ventanillas.yml",  # bot/ventanillas.py
        "domain.yml",  # servicio/consola/registros.py (payment-reference text)
        "servicio/inscripcion/alembic.ini",  # servicio/inscripcion/migrar.py
        "servicio/inscripcion/migraciones/env.py",
        "deploy/healthcheck.py",  # compose healthcheck
    ],
    "rasa": [
        "domain.yml",
        "config.yml",
        "credentials.yml",
        "endpoints.yml",
        "data/ventanillas/ventanillas.yml",
        "deploy/endpoints.prod.yml",
        "deploy/healthcheck.py",
    ],
}
# What the web image must not carry: the assistant, its NLU data and any model.
NOT_IN_WEB = ["actions/__init__.py", "channels/twilio.py", "data/nlu", "models", "config.yml"]


def _instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def _stages(path: Path = DOCKERFILE) -> dict[str, list[tuple[str, str]]]:
    stages, current = {}, None
    for op, arg in _instructions(path):
        if op == "FROM":
            current = arg.split()[-1]
            stages[current] = []
        stages[current].append((op, arg))
    return stages


def _lineage(stages: dict, stage: str) -> list[str]:
    """The stage and the stages it is built FROM, base first."""
    chain = [stage]
    while (parent := stages[chain[0]][0][1].split()[0]) in stages:
        chain.insert(0, parent)
    return chain


def _base(stages: dict, stage: str) -> str:
    return stages[_lineage(stages, stage)[0]][0][1].split()[0]


def _copy_from(arg: str) -> str | None:
    found = re.search(r"--from=(\S+)", arg)
    return found.group(1) if found else None


def _closure(stages: dict, target: str) -> list[str]:
    """Every stage whose content can reach `target` (FROM chains and COPY --from), in order."""
    seen: list[str] = []
    pending = [target]
    while pending:
        for stage in _lineage(stages, pending.pop()):
            if stage in seen:
                continue
            seen.append(stage)
            pending += [
                src
                for op, arg in stages[stage]
                if op == "COPY" and (src := _copy_from(arg)) in stages
            ]
    return seen


def _context_copies(stages: dict, target: str) -> list[tuple[list[str], str]]:
    """(sources, destination) of the COPY/ADD from the build context in the target's lineage."""
    copies = []
    for stage in _lineage(stages, target):
        for op, arg in stages[stage]:
            if op != "COPY" or _copy_from(arg):
                continue
            *sources, dest = [w for w in arg.split() if not w.startswith("--")]
            copies.append(([s.rstrip("/") or "." for s in sources], dest))
    return copies


def _image_path(copies: list[tuple[list[str], str]], rel: str) -> str | None:
    """Where the repository file `rel` lands in the image (Docker's COPY semantics), if at all."""
    found = None
    for sources, dest in copies:
        into_dir = dest.endswith("/") or len(sources) > 1
        for src in sources:
            if src == ".":
                found = f"{dest.rstrip('/')}/{rel}"
            elif rel == src:
                found = f"{dest.rstrip('/')}/{Path(src).name}" if into_dir else dest
            elif rel.startswith(src + "/") and (ROOT / src).is_dir():
                found = dest.rstrip("/") + rel[len(src) :]
    return found


def _run_commands(stages: dict, names: list[str]) -> list[str]:
    return [
        cmd.strip()
        for name in names
        for op, arg in stages[name]
        if op == "RUN"
        for cmd in arg.split("&&")
    ]


def _pip_installs(stages: dict, names: list[str]) -> list[str]:
    return [cmd for cmd in _run_commands(stages, names) if re.search(r"pip install", cmd)]


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
            assert found, f"{path.name}: cannot read {line!r}"
            names.add(found.group(0).lower().replace("_", "-"))
    return names


def test_dockerfile_has_the_targets_and_rasa_is_the_default():
    stages = _stages()
    for targets in TARGETS.values():
        assert set(targets) <= stages.keys(), f"missing Dockerfile targets {targets}"
    assert list(stages)[-1] == "rasa", "the last stage is the default target: the Rasa image"
    assert not set(_closure(stages, "web")) & set(_closure(stages, "rasa")), (
        "the web image shares no stage with the Rasa image"
    )


def test_dockerfile_python_per_image():
    stages = _stages()
    for role, targets in TARGETS.items():
        for target in targets:
            for stage in _closure(stages, target):
                base = _base(stages, stage)
                assert base.startswith(PYTHONS[role]) and base.endswith("-slim"), (
                    f"{target}: stage {stage} is based on {base}, expected {PYTHONS[role]}*-slim"
                )
    external = {arg.split()[0] for op, arg in _instructions(DOCKERFILE) if op == "FROM"}
    external -= stages.keys()
    assert external == {"python:3.10.13-slim", "python:3.12.1-slim"}, external


def test_dockerfile_pythons_match_python_version_file():
    versions = (ROOT / ".python-version").read_text().split()
    stages = _stages()
    assert _base(stages, "rasa") == f"python:{versions[0]}-slim", ".python-version, first line"
    if len(versions) < 2:
        pytest.skip(".python-version has no second line (the web service's Python) yet")
    assert _base(stages, "web") == f"python:{versions[1]}-slim", ".python-version, second line"


@pytest.mark.parametrize("role", sorted(TARGETS))
def test_dockerfile_one_pinned_pip_install_per_image(role: str):
    stages = _stages()
    req = REQS[role]
    for target in TARGETS[role]:
        names = _closure(stages, target)
        installs = _pip_installs(stages, names)
        deps = [cmd for cmd in installs if re.search(r"\s-(r|c)\s", cmd)]
        assert len(deps) == 1, f"{target}: one pip call for the whole environment, got {deps}"
        args = deps[0].split()
        assert args[args.index("-r") + 1] == f"/tmp/req/{req}.in", deps[0]
        assert args[args.index("-c") + 1] == f"/tmp/req/{req}.lock", deps[0]
        assert args.count("-r") == 1 and args.count("-c") == 1, deps[0]
        others = [cmd for cmd in installs if cmd not in deps]
        assert all(re.search(r"install -q pip==[\d.]+\s*$", cmd) for cmd in others), others
        # The files pip reads are the repository's requirements/<req>.in and .lock.
        copied = {
            f"{dest.rstrip('/')}/{Path(src).name}": src
            for name in names
            for op, arg in stages[name]
            if op == "COPY" and not _copy_from(arg)
            for *sources, dest in [arg.split()]
            for src in sources
        }
        assert copied.get(f"/tmp/req/{req}.in") == f"requirements/{req}.in", target
        assert copied.get(f"/tmp/req/{req}.lock") == f"requirements/{req}.lock", target
        check = [cmd for cmd in _run_commands(stages, names) if cmd.endswith("pip check")]
        assert check, f"{target}: no pip check after the install"


def test_dockerfile_installs_no_dev_requirements_or_test_tools():
    text = DOCKERFILE.read_text()
    stages = _stages()
    for name, instructions in stages.items():
        for op, arg in instructions:
            if op in {"RUN", "COPY", "ADD"}:
                assert "-dev.in" not in arg, f"{name}: {op} {arg}"
                assert not re.search(r"requirements/(\*|$|\s)", arg), f"{name}: copies every .in"
    installs = _pip_installs(stages, list(stages))
    for cmd in installs:
        words = {w.lower() for w in cmd.split()}
        assert not words & TEST_TOOLS, f"test tool installed: {cmd}"
    for req in REQS.values():
        runtime = REQUIREMENTS / f"{req}.in"
        assert runtime.is_file(), runtime
        leaked = _requirement_names(runtime) & TEST_TOOLS
        assert not leaked, f"{runtime.name} installs test tools {leaked}: move them to {req}-dev.in"
        includes = [ln for ln in runtime.read_text().splitlines() if ln.strip().startswith("-")]
        assert not includes, f"{runtime.name} includes other files: {includes}"
    dev = set().union(*(_requirement_names(p) for p in REQUIREMENTS.glob("*-dev.in")))
    assert {"pytest", "ruff"} <= dev, "the dev tools live in requirements/*-dev.in"
    assert "never" in text.lower() and "pytest" in text, "say in the Dockerfile why"


def test_dockerfile_lock_files_exist():
    for req in REQS.values():
        assert (REQUIREMENTS / f"{req}.lock").is_file(), f"requirements/{req}.lock is missing"


def test_dockerfile_copy_sources_exist_and_are_in_the_context():
    stages = _stages()
    sources = {
        src for target in stages for srcs, _ in _context_copies(stages, target) for src in srcs
    }
    assert sources
    for src in sorted(sources):
        assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
        assert not _dockerignored(src), f"COPY {src}: excluded by .dockerignore"


def _module_file(module: str) -> Path | None:
    path = ROOT / Path(*module.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, file: Path) -> set[str]:
    """Modules `module` imports at run time (lazy imports included, TYPE_CHECKING blocks not)."""
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(file.read_text(encoding="utf-8")))
    return found


def _import_closure(entries: list[str]) -> tuple[dict[str, Path], set[str]]:
    """First-party modules reached from `entries` (module -> file) and third-party top names."""
    modules: dict[str, Path] = {}
    external: set[str] = set()
    pending = list(entries)
    while pending:
        module = pending.pop()
        if module in modules:
            continue
        top = module.split(".")[0]
        if top not in FIRST_PARTY:
            external.add(top)
            continue
        file = _module_file(module)
        if file is None:  # `from pkg import name` where name is not a module
            continue
        modules[module] = file
        parts = module.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages
        pending += sorted(_imports(module, file))
    return modules, external


def _rasa_entries() -> list[str]:
    """The action server loads every module of actions/; Rasa every channel credentials names."""
    entries = list(ENTRY_MODULES["rasa"])
    entries += [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "actions").rglob("*.py")
    ]
    channels = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    entries += [name.rpartition(".")[0] for name in channels if "." in name]
    endpoints = json.dumps(yaml.safe_load(ENDPOINTS.read_text())) if ENDPOINTS.exists() else ""
    entries += [m.rpartition(".")[0] for m in re.findall(r'"type": "([a-z_]+\.[\w.]+)"', endpoints)]
    return entries


def test_web_image_holds_what_the_web_service_imports_and_reads():
    modules, external = _import_closure(ENTRY_MODULES["web"])
    assert {"servicio.web.app", "servicio.inscripcion.migrar", "bot.ventanillas"} <= modules.keys()
    assert not external & {"rasa", "rasa_sdk", "tensorflow", "spacy"}, (
        f"the web service imports {external & {'rasa', 'rasa_sdk', 'tensorflow', 'spacy'}}"
    )
    copies = _context_copies(_stages(), "web")
    needed = [f.relative_to(ROOT).as_posix() for f in modules.values()] + DATA_FILES["web"]
    for rel in needed:
        assert (ROOT / rel).is_file(), rel
        assert _image_path(copies, rel) == f"/app/{rel}", f"web image lacks {rel}"
        assert not _dockerignored(rel), f"{rel} is excluded by .dockerignore"
    for rel in NOT_IN_WEB:
        assert _image_path(copies, rel) is None, f"the web image should not carry {rel}"


def test_rasa_image_holds_what_rasa_and_the_actions_import_and_read():
    modules, external = _import_closure(_rasa_entries())
    assert {"actions.cotizacion", "channels.twilio", "channels.retencion"} <= modules.keys()
    assert {"rasa", "rasa_sdk"} <= external
    stages = _stages()
    for target in TARGETS["rasa"]:
        copies = _context_copies(stages, target)
        needed = [f.relative_to(ROOT).as_posix() for f in modules.values()] + DATA_FILES["rasa"]
        for rel in needed + ["data/nlu", "data/rules"]:
            assert (ROOT / rel).exists(), rel
            assert _image_path(copies, rel) == f"/app/{rel}", f"{target} image lacks {rel}"
            assert not _dockerignored(rel), f"{rel} is excluded by .dockerignore"
        assert _image_path(copies, "servicio/web/app.py") is None, "web code in the Rasa image"


def test_dockerfile_every_target_runs_as_non_root_and_holds_no_secrets():
    stages = _stages()
    for target in (t for targets in TARGETS.values() for t in targets):
        users = [arg for s in _lineage(stages, target) for op, arg in stages[s] if op == "USER"]
        assert users, f"{target}: no USER in the image"
        assert users[-1] == "10001:10001", f"{target}: runs as {users[-1]}"
    text = DOCKERFILE.read_text()
    assert not re.search(r"^(ENV|ARG)\s+\S*(PASSWORD|API_KEY|TOKEN|SECRET)", text, re.M)


def test_dockerfile_model_is_baked_into_the_rasa_image_only():
    stages = _stages()
    text = DOCKERFILE.read_text()
    assert "--fixed-model-name orienta" in text
    model_copies = {
        stage
        for stage, instructions in stages.items()
        for op, arg in instructions
        if op == "COPY" and arg.split()[-1] == "/app/models/orienta.tar.gz"
    }
    assert model_copies == {"rasa"}
    assert "rasa-sin-modelo" in _lineage(stages, "rasa")
    assert "/app/models/orienta.tar.gz" in COMPOSE.read_text()


def _dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _glob_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _dockerignored(rel: str) -> bool:
    """Whether .dockerignore keeps `rel` out of the context (a match on a parent counts)."""
    parts = rel.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for pattern in _dockerignore_patterns():
        negated = pattern.startswith("!")
        regex = _glob_regex(pattern.lstrip("!").strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def test_dockerignore_matcher_follows_docker_rules():
    assert _glob_regex("**/__pycache__").fullmatch("__pycache__")
    assert _glob_regex("**/__pycache__").fullmatch("bot/parametros/__pycache__")
    assert not _glob_regex("var").fullmatch("servicio/var")
    assert _glob_regex("*.db").fullmatch("orienta.db")


def test_dockerignore_excludes_local_state():
    entries = {p.rstrip("/") for p in _dockerignore_patterns()}
    assert {".venv", ".venv-servicio", "var", "models", ".git", ".env"} <= entries
    for rel in (
        ".venv/bin/python",
        ".venv-servicio/bin/python",
        "models/orienta.tar.gz",
        "var/orienta.db",
        ".env",
        "deploy/.env",
        ".git/HEAD",
        "bot/__pycache__/validacion.cpython-312.pyc",
        "tests/deploy/test_deploy.py",
    ):
        assert _dockerignored(rel), f"{rel} would be sent to the Docker daemon"
    for req in REQS.values():
        for rel in (f"requirements/{req}.in", f"requirements/{req}.lock"):
            assert not _dockerignored(rel), f"{rel} is needed in the build context"
    for needed in ("actions", "bot", "channels", "servicio", "data", "deploy", "requirements"):
        assert not _dockerignored(needed), f"{needed} is needed in the build context"


# --- the right image for each command -----------------------------------------------------


def _image_role(command: str) -> str:
    """web for the web service's modules and uvicorn, rasa for Rasa, the actions and channels."""
    modules = re.findall(r"-m ([a-z_][a-z0-9_.]*)", command)
    assert modules, f"no python -m in {command!r}"
    roles = {
        "web" if m.split(".")[0] in {"servicio", "uvicorn"} else "rasa"
        for m in modules
        if m.split(".")[0] in {"servicio", "uvicorn", "rasa", "rasa_sdk", "channels", "actions"}
    }
    assert len(roles) == 1, f"{command!r} mixes both environments"
    return roles.pop()


def _image_name(reference: str) -> str:
    """orienta-web from ${ORIENTA_WEB_IMAGE:-orienta-web:local} or registry/orienta-web:sha."""
    default = re.fullmatch(r"\$\{[A-Z0-9_]+:?-([^}]+)\}", reference)
    reference = default.group(1) if default else reference
    return reference.rsplit("/", 1)[-1].split(":")[0]


def test_image_role_reads_commands():
    assert _image_role("python -m rasa_sdk --actions actions --port 5055") == "rasa"
    assert _image_role("python -m channels.retencion --aplicar") == "rasa"
    web = "python -m servicio.inscripcion.migrar && exec python -m uvicorn servicio.web.app:app"
    assert _image_role(web) == "web"
    assert _image_name("${ORIENTA_WEB_IMAGE:-orienta-web:local}") == "orienta-web"
    assert _image_name("registry.example.org/orienta-rasa:abc") == "orienta-rasa"


def test_compose_app_services_use_the_image_for_their_command(services: dict):
    stages = _stages()
    apps = app_services(services)
    assert {role(n) for n in apps} == {"rasa", "actions", "web", "metricas-consumidor"}
    images = {}
    for name, svc in apps.items():
        image_role = _image_role(command_text(svc))
        assert _image_name(svc["image"]) == IMAGES[image_role], f"{name}: {svc['image']}"
        assert svc["build"]["target"] == TARGETS[image_role][0], f"{name}: build target"
        assert svc["build"]["target"] in stages
        images.setdefault(image_role, set()).add(svc["image"])
    assert {k: len(v) for k, v in images.items()} == {"rasa": 1, "web": 1}, images
    assert _image_role(command_text(services["web"])) == "web"
    assert _image_role(command_text(services["rasa-1"])) == "rasa"


def _all_pod_containers() -> list[tuple[str, dict]]:
    pods = [(name, doc["spec"]["template"]["spec"]) for name, doc in workloads()]
    pods += [
        (doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        for _, doc in k8s_docs()
        if doc["kind"] == "CronJob"
    ]
    return [
        (f"{name}/{c['name']}", c)
        for name, pod in pods
        for c in pod.get("initContainers", []) + pod["containers"]
    ]


def test_k8s_containers_use_the_image_for_their_command():
    seen = {}
    for name, container in _all_pod_containers():
        image_role = _image_role(" ".join(container.get("command", []) + container["args"]))
        assert container["image"] == IMAGES[image_role], f"{name}: {container['image']}"
        seen.setdefault(image_role, []).append(name)
    assert set(seen["web"]) == {"web/migrate", "web/web", "pago-recordatorios/pago-recordatorios"}
    assert {"rasa/rasa", "actions/actions", "metricas-consumidor/metricas-consumidor"} <= set(
        seen["rasa"]
    )
    assert "tracker-retencion/tracker-retencion" in seen["rasa"]
    images = {i["name"]: i for i in _kustomization(DEPLOY)["images"]}
    assert images.keys() == set(IMAGES.values()), "kustomize sets both images"
    for image_name, entry in images.items():
        assert _image_name(entry["newName"]) == image_name
        assert entry["newTag"], image_name


def _cronjob(nombre: str) -> dict:
    return next(
        d for _, d in k8s_docs() if d["kind"] == "CronJob" and d["metadata"]["name"] == nombre
    )


def test_k8s_tracker_retention_runs_nightly_as_the_rasa_image():
    job = _cronjob("tracker-retencion")
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["args"] == ["python", "-m", "channels.retencion", "--aplicar"]
    assert c["image"] == IMAGES["rasa"]
    assert {"cpu", "memory"} <= c["resources"]["requests"].keys()
    assert pod["securityContext"]["runAsNonRoot"] is True
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    assert float(config["ORIENTA_TRACKER_RETENCION_DIAS"]) > 0


def test_k8s_payment_reminders_run_as_the_web_image_one_at_a_time():
    job = _cronjob("pago-recordatorios")
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["args"] == ["python", "-m", "servicio.recordatorios"]
    assert c["image"] == IMAGES["web"]
    entorno = {e["name"] for e in c["env"]}
    assert {"DATABASE_URL", "ORIENTA_TWILIO_AUTH_TOKEN"} <= entorno
    assert "ORIENTA_ADMIN_API_KEY" not in entorno  # it calls no API
    assert pod["securityContext"]["runAsNonRoot"] is True
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    assert "ORIENTA_RECORDATORIOS_PLANTILLA" in config
