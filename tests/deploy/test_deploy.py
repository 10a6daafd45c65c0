"""Static checks of deploy/: compose, Kubernetes manifests, Dockerfile, .dockerignore.

Nothing runs here (no Docker daemon, no cluster). `docker compose config` and `kubectl kustomize`
run only when their CLIs are installed; otherwise those tests are skipped with the reason.
"""

from __future__ import annotations

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


def test_compose_app_services_share_one_image(services: dict):
    images = {svc["image"] for svc in app_services(services).values()}
    assert len(images) == 1
    assert {role(n) for n in app_services(services)} == {
        "rasa",
        "actions",
        "web",
        "metricas-consumidor",
    }


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


def _instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def _stages(path: Path) -> dict[str, list[tuple[str, str]]]:
    stages, current = {}, None
    for op, arg in _instructions(path):
        if op == "FROM":
            current = arg.split()[-1]
            stages[current] = []
        stages[current].append((op, arg))
    return stages


def test_dockerfile_base_image_is_python_310():
    froms = [arg for op, arg in _instructions(DEPLOY / "Dockerfile") if op == "FROM"]
    external = [f.split()[0] for f in froms if f.split()[0].startswith("python")]
    assert external and all(f.startswith("python:3.10") for f in external)


def test_dockerfile_single_pinned_pip_install():
    runs = [arg for op, arg in _instructions(DEPLOY / "Dockerfile") if op == "RUN"]
    installs = [cmd for run in runs for cmd in run.split("&&") if re.search(r"pip install", cmd)]
    deps = [cmd for cmd in installs if "requirements" in cmd]
    assert len(deps) == 1, "one pip call for the whole stack"
    assert "-r /tmp/req/requirements.in" in deps[0] and "-c /tmp/req/requirements.lock" in deps[0]
    others = [cmd for cmd in installs if cmd not in deps]
    assert all(re.search(r"install -q pip==[\d.]+\s*$", cmd) for cmd in others), others


def test_dockerfile_runs_as_non_root_and_holds_no_secrets():
    stages = _stages(DEPLOY / "Dockerfile")
    final = list(stages)[-1]
    users = []
    stage = final
    while True:  # follow FROM <stage> back to the base
        users = [arg for op, arg in stages[stage] if op == "USER"] + users
        parent = stages[stage][0][1].split()[0]
        if parent not in stages:
            break
        stage = parent
    assert users, "no USER in the final image"
    assert users[-1].split(":")[0] not in {"root", "0"}
    text = (DEPLOY / "Dockerfile").read_text()
    assert not re.search(r"^(ENV|ARG)\s+\S*(PASSWORD|API_KEY|TOKEN|SECRET)", text, re.M)


def test_dockerfile_model_is_baked():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "--fixed-model-name orienta" in text
    assert "/app/models/orienta.tar.gz" in text
    assert "/app/models/orienta.tar.gz" in COMPOSE.read_text()


def test_dockerignore_excludes_local_state():
    entries = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", "models", ".git", ".env"} <= entries
    for needed in ("requirements.in", "requirements.lock", "actions", "bot", "channels", "deploy"):
        assert needed not in entries, f"{needed} is needed in the build context"


def test_k8s_tracker_retention_runs_nightly_as_the_app_image():
    job = next(d for _, d in k8s_docs() if d["kind"] == "CronJob")
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["args"] == ["python", "-m", "channels.retencion", "--aplicar"]
    assert c["image"] == "orienta"
    assert {"cpu", "memory"} <= c["resources"]["requests"].keys()
    assert pod["securityContext"]["runAsNonRoot"] is True
    config = next(d for _, d in k8s_docs() if d["kind"] == "ConfigMap")["data"]
    assert float(config["ORIENTA_TRACKER_RETENCION_DIAS"]) > 0
