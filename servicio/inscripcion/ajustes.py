"""Service settings (pydantic-settings, env prefix ``ORIENTA_``; DATABASE_URL unprefixed)."""

from decimal import Decimal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class FaltanSecretos(RuntimeError):
    pass


class AjustesServicio(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORIENTA_", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/orienta.db", validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    assistant_api_key: SecretStr | None = None
    admin_api_key: SecretStr | None = None
    #: Default USD→MXN rate used when a request gives USD without its own rate (echoed back).
    tipo_cambio_usd_mxn: Decimal = Decimal("18.50")
    #: Fix the quotes and registrations to one year's values (1 February of it); None → today in
    #: Mexico City.
    anio_tarifa: int | None = None
    max_body_bytes: int = 16 * 1024
    db_pool_size: int = 10

    def exigir_secretos(self) -> None:
        missing = [
            name
            for name, value in (
                ("ORIENTA_ASSISTANT_API_KEY", self.assistant_api_key),
                ("ORIENTA_ADMIN_API_KEY", self.admin_api_key),
            )
            if value is None or len(value.get_secret_value()) < 16
        ]
        if missing:
            raise FaltanSecretos(
                "No se puede iniciar el servicio: faltan las variables de entorno "
                + ", ".join(missing)
                + " (cada clave debe tener al menos 16 caracteres; p. ej. `openssl rand -hex 32`)."
            )
        asistente, admin = self.assistant_api_key, self.admin_api_key
        if asistente and admin and asistente.get_secret_value() == admin.get_secret_value():
            raise FaltanSecretos(
                "ORIENTA_ASSISTANT_API_KEY y ORIENTA_ADMIN_API_KEY deben ser distintas."
            )
