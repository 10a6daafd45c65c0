"""The registration request: the JSON body of ``POST /v1/registros`` (the service's RegistroIn).

Built in one place from the values the chat (actions/registro.py) or the promoter's console
(servicio/consola/registros.py) collected and validated.
"""

from __future__ import annotations

from typing import Any

from bot.lectura import AVISO_PRIVACIDAD_VERSION
from bot.tiempo import ahora_utc
from bot.validacion import validar_curp

__all__ = ["cuerpo_registro"]


def cuerpo_registro(
    *,
    curp: str,
    nombre: str,
    email: str,
    telefono: str,
    pais_residencia: str | None,
    ciudad_residencia: str | None,
    ocupacion: str,
    ingreso_mensual: Any,
    moneda: str | None = None,
    consulado: str | None = None,
    aceptado_en: str | None = None,
    recordatorios: bool | None = None,
    nss: str | None = None,
    domicilio_estado: str | None = None,
    domicilio_municipio: str | None = None,
    domicilio_cp: str | None = None,
    domicilio_colonia: str | None = None,
    canal: str | None = None,
    direccion_canal: str | None = None,
) -> dict[str, Any]:
    """The RegistroIn body. Birth date, sex and state come from the CURP (validated again).

    ``aceptado_en`` is when the privacy notice was accepted (ISO 8601); now if not given.
    ``ingreso_mensual`` is the monthly amount, sent as text (JSON numbers lose centavos).
    ``nss`` and the ``domicilio_*`` fields (the Mexican address for the clinic) are optional.
    ``recordatorios`` is the monthly payment-reminder opt-in (no answer = no reminders);
    ``canal`` / ``direccion_canal`` say where the case's notices reach the person ("web" + the
    conversation id, "whatsapp" / "telefono" + the E.164 number); omitted when unknown.
    """
    datos_curp = validar_curp(curp)
    destino = (
        {"canal": canal, "direccion_canal": direccion_canal} if canal and direccion_canal else {}
    )
    return {
        "consentimiento": {
            "version_aviso": AVISO_PRIVACIDAD_VERSION,
            "aceptado_en": aceptado_en or ahora_utc().isoformat(),
        },
        "curp": datos_curp.curp,
        "nombre": nombre,
        "email": email,
        "telefono": telefono,
        "pais_residencia": pais_residencia,
        "ciudad_residencia": ciudad_residencia,
        "ocupacion": ocupacion,
        "ingreso_mensual": str(ingreso_mensual),
        "moneda": moneda or "MXN",
        "fecha_nacimiento": datos_curp.fecha_nacimiento.isoformat(),
        "sexo": datos_curp.sexo,
        "estado_nacimiento": datos_curp.estado_clave,
        "consulado": consulado,
        "nss": nss or None,
        "domicilio_estado": domicilio_estado,
        "domicilio_municipio": domicilio_municipio,
        "domicilio_cp": domicilio_cp,
        "domicilio_colonia": domicilio_colonia,
        "recordatorios": bool(recordatorios),
        **destino,
    }
