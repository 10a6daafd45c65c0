"""Fixtures: every API test runs on SQLite (file in tmp_path) and on PostgreSQL when
127.0.0.1:5432 answers (a throwaway database ``orienta_test_<random>`` created and dropped here).
The schema is created by the Alembic migrations, exactly as in production."""

from __future__ import annotations

import os
import secrets
import shutil

import pytest

from tests.ayudas import ADMIN_KEY, ASSISTANT_KEY, PG_HOST, PG_PORT, pg_responde

os.environ.setdefault("ORIENTA_ASSISTANT_API_KEY", ASSISTANT_KEY)
os.environ.setdefault("ORIENTA_ADMIN_API_KEY", ADMIN_KEY)


TABLES = (
    "idempotency_keys",
    "auditoria",
    "respuestas_canalizacion",
    "canalizaciones",
    "registros",
    "sesiones_consola",
    "intentos_login",
    "promotores",
    "metricas_mensajes",
    "embudo",
    "contactos_firmados",
    "codigos_verificacion",
    "intentos_verificacion",
    "avisos",
    "recordatorios_mes",
)


@pytest.fixture(scope="session")
def pg_url():
    if not pg_responde():
        pytest.skip(f"PostgreSQL no responde en {PG_HOST}:{PG_PORT}; se omiten las pruebas PG")
    import psycopg2

    from servicio.inscripcion.migrar import aplicar_migraciones

    name = f"orienta_test_{secrets.token_hex(6)}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg2://postgres@{PG_HOST}:{PG_PORT}/{name}"
    try:
        aplicar_migraciones(url)
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="session")
def sqlite_migrada(tmp_path_factory):
    """One SQLite file upgraded to head by the migrations; each test gets a copy of it (running
    the migrations for every test cost ~0.1 s each)."""
    from servicio.inscripcion.migrar import aplicar_migraciones

    ruta = tmp_path_factory.mktemp("plantilla") / "orienta.db"
    aplicar_migraciones(f"sqlite:///{ruta}")
    return ruta


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        copia = tmp_path / "orienta.db"
        shutil.copyfile(request.getfixturevalue("sqlite_migrada"), copia)
        return f"sqlite:///{copia}"
    url = request.getfixturevalue("pg_url")
    from sqlalchemy import create_engine, text

    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def settings(db_url):
    from servicio.inscripcion.ajustes import AjustesServicio

    return AjustesServicio(
        database_url=db_url, assistant_api_key=ASSISTANT_KEY, admin_api_key=ADMIN_KEY
    )


@pytest.fixture
def app(settings):
    from servicio.inscripcion.app import crear_app

    application = crear_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def engine(app):
    return app.state.engine
