"""Service settings (pydantic-settings, env prefix ``ORIENTA_``; DATABASE_URL unprefixed)."""

from decimal import Decimal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.secretos import SecretoInvalido, es_marcador, exigir


class FaltanSecretos(SecretoInvalido):
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
    #: Serve ``/docs``, ``/redoc`` and ``/openapi.json`` (local development). The deployment
    #: turns them off (ORIENTA_API_DOCS=false) and its ingress never routes them or ``/v1``.
    api_docs: bool = True
    #: Proxies whose X-Forwarded-For/-Proto are believed (addresses or CIDRs, comma-separated;
    #: servicio/inscripcion/proxy.py). Empty: the peer is the client.
    proxies_confiables: str = ""
    db_pool_size: int = 10
    #: Without Twilio, write one-time codes to the log (embedded defaults, local development).
    #: The deployment sets ORIENTA_CODIGOS_EN_BITACORA=false: no Twilio, no code, never a log line.
    codigos_en_bitacora: bool = True

    def exigir_secretos(self) -> None:
        """Refuses to start on a missing, short or placeholder API key (``bot/secretos.py``),
        equal keys, or a placeholder database password."""
        asistente, admin = self.assistant_api_key, self.admin_api_key
        try:
            exigir(
                {
                    "ORIENTA_ASSISTANT_API_KEY": asistente.get_secret_value()
                    if asistente
                    else None,
                    "ORIENTA_ADMIN_API_KEY": admin.get_secret_value() if admin else None,
                }
            )
        except SecretoInvalido as error:
            raise FaltanSecretos(str(error)) from None
        if asistente and admin and asistente.get_secret_value() == admin.get_secret_value():
            raise FaltanSecretos(
                "ORIENTA_ASSISTANT_API_KEY y ORIENTA_ADMIN_API_KEY deben ser distintas."
            )
        try:
            clave_bd = make_url(self.database_url).password
        except ArgumentError:
            clave_bd = None
        if es_marcador(str(clave_bd) if clave_bd is not None else None):
            raise FaltanSecretos(
                "No se puede iniciar: la contraseña de DATABASE_URL es un valor de ejemplo."
            )
