"""Rasa's NLG for the editable answers: asks the web service, falls back to the repository.

Configured in endpoints.yml as ``nlg: {type: channels.nlg.GeneradorContenido, url: ...}``
(Rasa loads a custom type with ``endpoint_config`` and ``domain``: rasa/core/nlg/generator.py).

- Only the knowledge base's answers (``utter_faq/<id>`` from the ResponseSelector, and
  ``utter_faq_detalle_<id>`` for "más") are asked of the service; every other response goes
  straight to Rasa's ``TemplatedNaturalLanguageGenerator`` on the domain (no hop).
- Any failure (service down, slow, wrong key, bad answer) gives the seed: the domain's response
  (data/faq, generated from data/conocimiento), or for a detail bot.conocimiento's text. The bot
  never goes silent because of the service, and Rasa's own callback NLG would have failed the turn.
- Cache: rendered answers per (response, content version). The version (it changes on every
  publish, rollback and day) is re-read at most every ``TTL_VERSION_S`` seconds with a cheap GET,
  so a turn costs no hop at all most of the time and a publish reaches every replica within a
  few seconds, without a restart. A TTL alone would serve an edit late by a full TTL and re-ask
  every answer each period; a version check per turn would add a hop to every turn.
- Slot variables (``{folio}``) are filled here from the tracker and the arguments, as the
  templated generator does; the tracker itself (it carries the person's texts) is never sent.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import time
from typing import Any

import httpx
from rasa.core.nlg import TemplatedNaturalLanguageGenerator, interpolator
from rasa.shared.core.domain import Domain

from bot import conocimiento as kb
from bot import temas
from bot.tiempo import ahora_utc, dia_en_mexico

log = logging.getLogger("orienta.nlg")

SERVICIO_POR_OMISION = "http://localhost:8000"
RUTA = "/v1/nlg"
TIMEOUT_S = 0.5
TTL_VERSION_S = 3.0
#: After a failure, the seed is used without asking for this long (a down service costs no
#: timeout per turn).
PAUSA_TRAS_FALLO_S = 10.0
PREFIJO_CORTA = f"utter_{kb.INTENT}/"
PREFIJO_DETALLE = f"utter_{kb.INTENT}_detalle_"
CLAVES = ("text", "buttons", "image", "elements", "attachment", "custom")


def entrada_de(nombre: str) -> tuple[str, bool] | None:
    """``utter_faq/<id>`` -> (id, False), ``utter_faq_detalle_<id>`` -> (id, True)."""
    for prefijo, detalle in ((PREFIJO_CORTA, False), (PREFIJO_DETALLE, True)):
        if nombre.startswith(prefijo) and temas.es_tema(nombre[len(prefijo) :]):
            return nombre[len(prefijo) :], detalle
    return None


def url_del_servicio(url: str | None) -> str:
    """The endpoint's ``url`` when given (deploy/endpoints.prod.yml), else ORIENTA_SERVICE_URL's
    ``/v1/nlg`` like the other calls to the service (endpoints.yml, test stacks on other ports)."""
    if url:
        return url.rstrip("/")
    base = os.environ.get("ORIENTA_SERVICE_URL") or SERVICIO_POR_OMISION
    return base.rstrip("/") + RUTA


class ServicioNoDisponible(Exception):
    pass


# One client per event loop (channels/entregas.py): a new client per turn costs an SSL context.
_clientes: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}


def _cliente(transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    cliente = _clientes.get(loop)
    if cliente is None or cliente.is_closed:
        for viejo in [lp for lp in _clientes if lp.is_closed()]:
            del _clientes[viejo]
        cliente = _clientes[loop] = httpx.AsyncClient(timeout=TIMEOUT_S, transport=transport)
    return cliente


class GeneradorContenido(TemplatedNaturalLanguageGenerator):
    """A templated generator (its responses are the domain's: Rasa's Agent sets ``responses``
    on a TemplatedNaturalLanguageGenerator when it loads the model, and only on one) that asks
    the service first for the knowledge base's answers."""

    def __init__(
        self,
        endpoint_config: Any = None,
        domain: Domain | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        reloj=time.monotonic,
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self.url = url_del_servicio(getattr(endpoint_config, "url", None))
        self.clave = os.environ.get("ORIENTA_ASSISTANT_API_KEY", "")
        self.timeout = float(
            (getattr(endpoint_config, "kwargs", None) or {}).get("timeout", TIMEOUT_S)
        )
        self.transport, self.reloj = transport, reloj
        self.version: str | None = None
        self.version_leida_en = float("-inf")
        self.fallo_en = float("-inf")
        self.cache: dict[tuple[str, str], dict[str, Any]] = {}
        self._cliente_propio: httpx.AsyncClient | None = None

    # -------------------------------------------------------------- Rasa's interface
    async def generate(
        self, utter_action: str, tracker: Any, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        kwargs.pop("domain_responses", None)
        if entrada_de(utter_action) is None:
            return await self._del_dominio(utter_action, tracker, output_channel, **kwargs)
        try:
            respuesta = await self._del_servicio(utter_action, output_channel)
        except ServicioNoDisponible as error:
            self.fallo_en = self.reloj()
            log.warning("nlg: se usa el contenido del repositorio (%s)", error)
            respuesta = None
        if respuesta is None:
            return await self._de_la_semilla(utter_action, tracker, output_channel, **kwargs)
        # A deep copy: the interpolation edits nested dicts in place, and the cached answer is
        # shared by every conversation (one person's folio must never reach another).
        return self._rellenar(copy.deepcopy(respuesta), tracker, kwargs)

    # -------------------------------------------------------------- the service
    def _http(self) -> httpx.AsyncClient:
        if self.transport is not None:  # tests: a fake server, one client per generator
            if self._cliente_propio is None:
                self._cliente_propio = httpx.AsyncClient(transport=self.transport)
            return self._cliente_propio
        return _cliente(None)

    async def _pedir(self, metodo: str, url: str, **kw: Any) -> httpx.Response:
        try:
            r = await self._http().request(
                metodo, url, headers={"X-API-Key": self.clave}, timeout=self.timeout, **kw
            )
        except httpx.HTTPError as error:
            raise ServicioNoDisponible(type(error).__name__) from None
        if r.status_code not in (200, 404):
            raise ServicioNoDisponible(f"HTTP {r.status_code}")
        return r

    async def _version_actual(self) -> str:
        ahora = self.reloj()
        if self.version is None or ahora - self.version_leida_en >= TTL_VERSION_S:
            r = await self._pedir("GET", f"{self.url}/version")
            try:
                version = str(r.json()["version"])
            except (ValueError, KeyError, TypeError):
                raise ServicioNoDisponible("versión ilegible") from None
            if version != self.version:
                self.cache.clear()  # a publish, a rollback or a new day: ask again
            self.version, self.version_leida_en = version, ahora
        return self.version

    async def _del_servicio(self, nombre: str, canal: str) -> dict[str, Any] | None:
        if self.reloj() - self.fallo_en < PAUSA_TRAS_FALLO_S:
            return None
        version = await self._version_actual()
        guardada = self.cache.get((nombre, version))
        if guardada is not None:
            return guardada
        # Rasa's request shape, without the tracker's events and texts.
        cuerpo = {"response": nombre, "arguments": {}, "tracker": {}, "channel": {"name": canal}}
        r = await self._pedir("POST", self.url, json=cuerpo)
        if r.status_code == 404:
            return None  # the service does not know it (yet): the seed answers
        try:
            datos = r.json()
        except ValueError:
            raise ServicioNoDisponible("respuesta ilegible") from None
        if not isinstance(datos, dict) or not isinstance(datos.get("text"), str):
            raise ServicioNoDisponible("respuesta sin texto")
        respuesta = {k: datos[k] for k in CLAVES if datos.get(k)}
        self.cache[(nombre, r.headers.get("X-Contenido-Version", version))] = respuesta
        return respuesta

    # -------------------------------------------------------------- the seed
    async def _de_la_semilla(
        self, nombre: str, tracker: Any, canal: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        clave = entrada_de(nombre)
        if clave and clave[1]:  # "más": built from data/conocimiento, as the action did
            e = temas.entradas()[clave[0]]
            texto = kb.texto_detalle(e, kb.valores_del_anio(dia_en_mexico(ahora_utc())))
            return self._rellenar({"text": texto}, tracker, kwargs)
        return await self._del_dominio(nombre, tracker, canal, **kwargs)

    async def _del_dominio(
        self, nombre: str, tracker: Any, canal: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        return await TemplatedNaturalLanguageGenerator.generate(
            self, nombre, tracker, canal, **kwargs
        )

    @staticmethod
    def _rellenar(respuesta: dict[str, Any], tracker: Any, kwargs: dict) -> dict[str, Any]:
        variables = {**(tracker.current_slot_values() if tracker is not None else {}), **kwargs}
        for clave in CLAVES:
            if clave in respuesta and variables:
                respuesta[clave] = interpolator.interpolate(respuesta[clave], variables)
        return respuesta
