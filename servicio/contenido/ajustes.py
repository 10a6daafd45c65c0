"""Settings of the editable answers (``ORIENTA_CONTENIDO_*``)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class AjustesContenido(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORIENTA_CONTENIDO_", extra="ignore")

    #: One-person deployment: an editor's or admin's own change is published without a second
    #: person. Off by default: nobody publishes their own change alone.
    autopublicar: bool = False
    #: A source older than this is listed as stale in the console.
    max_dias_fuente: int = 365
    #: Where knowledge/facts*.md and seeds/*.txt are (every figure must appear there); by default
    #: ../shared beside the checkout. Without them the figure rule cannot run and the editor
    #: says so (the other rules still block).
    fuentes_dir: str | None = None
