# FastAPI 0.125 needs this shim with the pydantic 1.8 pinned by Rasa, before `fastapi` is imported.
from servicio.inscripcion import _pydantic_compat  # noqa: F401
