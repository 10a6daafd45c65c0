"""Console tests reuse the service fixtures: SQLite always, PostgreSQL when it answers."""

from tests.servicio.inscripcion.conftest import app, client, db_url, engine, pg_url, settings  # noqa: F401
