"""Content tests reuse the service fixtures: SQLite always, PostgreSQL when it answers."""

from tests.servicio.inscripcion.conftest import (  # noqa: F401
    app,
    client,
    db_url,
    engine,
    pg_url,
    settings,
    sqlite_migrada,
)
