"""Request/response models (pydantic 2). Validators raise Spanish messages."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from bot import lectura
from bot import validacion as v


class Moneda(str, Enum):
    MXN = "MXN"
    USD = "USD"


class Canal(str, Enum):
    whatsapp = "whatsapp"
    telegram = "telegram"
    telefono = "telefono"
    email = "email"
    web = "web"


class EstadoCanalizacion(str, Enum):
    abierta = "abierta"
    tomada = "tomada"
    cerrada = "cerrada"


Monto = Annotated[
    Decimal, Field(gt=Decimal(0), le=Decimal("100000000"), max_digits=14, decimal_places=2)
]
TipoCambio = Annotated[
    Decimal, Field(gt=Decimal(0), le=Decimal("1000"), max_digits=12, decimal_places=4)
]
#: Amounts go out as JSON numbers (pydantic 2 would write Decimal as a string); the assistant's
#: client and the documented API read numbers.
Numero = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
SIN_EXTRAS = ConfigDict(extra="forbid")


class Error(BaseModel):
    campo: str | None = Field(None, description="Campo con el problema (null si es general)")
    mensaje: str


class ErrorResponse(BaseModel):
    detail: list[Error]


# ---------------------------------------------------------------- errores
def campo_de(loc) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "__root__")]
    return ".".join(parts) or None


def mensaje_en_espanol(error: Mapping[str, Any]) -> str:
    """One Spanish sentence for a pydantic 2 validation error, naming the field."""
    typ, ctx = error.get("type", ""), error.get("ctx") or {}
    name = campo_de(error.get("loc", ())) or "el cuerpo"
    if typ == "value_error":
        # Our own Spanish messages (bot.validacion, the schemas' validators).
        causa = ctx.get("error")
        return getattr(causa, "mensaje", None) or str(causa or error.get("msg", ""))
    if typ == "missing":
        return f"Falta el campo «{name}»; es obligatorio."
    if typ == "extra_forbidden":
        return f"El campo «{name}» no está permitido."
    if typ == "json_invalid":
        return "El cuerpo de la petición no es JSON válido."
    if typ in ("enum", "literal_error"):
        return f"El campo «{name}» debe ser uno de: {ctx.get('expected', '')}."
    if typ == "string_too_long":
        return f"El campo «{name}» admite como máximo {ctx.get('max_length')} caracteres."
    if typ == "string_too_short":
        return f"El campo «{name}» debe tener al menos {ctx.get('min_length')} caracteres."
    if typ in ("greater_than", "greater_than_equal"):
        return f"El campo «{name}» debe ser mayor que {ctx.get('gt', ctx.get('ge'))}."
    if typ in ("less_than", "less_than_equal"):
        return f"El campo «{name}» debe ser menor o igual que {ctx.get('le', ctx.get('lt'))}."
    if typ in ("decimal_max_places", "decimal_max_digits", "decimal_whole_digits"):
        return f"El campo «{name}» debe ser un número con a lo más 2 decimales."
    if typ.startswith(("decimal_", "int_", "float_")) or typ == "finite_number":
        return f"El campo «{name}» debe ser un número."
    if typ.startswith(("date", "datetime", "time")):
        return f"El campo «{name}» debe ser una fecha válida (AAAA-MM-DD o ISO 8601)."
    if typ.endswith("_type"):
        return f"El campo «{name}» tiene un tipo de dato incorrecto."
    return f"El campo «{name}» no es válido."


# ---------------------------------------------------------------- cotizaciones
class CotizacionIn(BaseModel):
    ingreso_mensual: Monto = Field(..., description="Ingreso mensual declarado", examples=[12000])
    moneda: Moneda = Moneda.MXN
    tipo_cambio: TipoCambio | None = Field(
        None, description="MXN por 1 USD; si falta y moneda=USD se usa el valor configurado"
    )
    anio: int | None = Field(
        None,
        ge=1900,
        le=2200,
        description="Estimar con los valores de ese año (los del 1 de febrero); por omisión, hoy",
    )
    fecha: date | None = Field(
        None,
        description="Estimar con los valores vigentes ese día (gana sobre `anio`); omitido: hoy",
    )

    model_config = SIN_EXTRAS


class LineaDesglose(BaseModel):
    clave: str
    seguro: str
    concepto: str
    base: str
    base_mensual: Numero
    tasa_trabajador: Numero = Field(..., description="Porcentaje")
    tasa_patron: Numero = Field(..., description="Porcentaje")
    cuota_trabajador: Numero
    cuota_patron: Numero
    total: Numero
    fundamento: str
    supuesto: bool
    nota: str


class Limite(BaseModel):
    mensual: Numero
    diario: Numero
    descripcion: str
    supuesto: bool
    nota: str


class Rango(BaseModel):
    minimo: Numero = Field(..., description="La estimación sin prima de riesgos de trabajo")
    maximo: Numero = Field(..., description="Con la prima máxima supuesta")


class RiesgoTrabajoOut(BaseModel):
    prima_maxima_supuesta: Numero = Field(..., description="Porcentaje del ingreso")
    monto_maximo: Numero
    supuesto: bool = True
    nota: str


class ValorUsado(BaseModel):
    valor: Numero
    anio: int = Field(..., description="Año cuyo valor rige en la fecha")
    anio_tabla: int = Field(..., description="Año de la tabla usada (anterior si falta)")


class CesantiaUsada(BaseModel):
    anio: int
    banda: str
    tasa_patron: Numero
    incierto: bool


class AvisoOut(BaseModel):
    clave: str
    texto: str


class ReferenciaImss(BaseModel):
    texto: str
    fuente: str
    calculadora: str = Field(..., description="Dónde está la calculadora oficial del IMSS")


class CotizacionOut(BaseModel):
    estimacion: bool = True
    aviso: str
    fecha: date = Field(..., description="Día cuyos valores se usaron")
    anio: int
    anio_valores: int | None = Field(
        None, description="Si algún valor de ese año falta en nuestras tablas: el año usado"
    )
    tabla_version: str
    moneda: Moneda
    ingreso_mensual: Numero
    tipo_cambio: Numero | None = None
    tipo_cambio_supuesto: bool = Field(
        False, description="True si el tipo de cambio es el configurado, no el de la persona"
    )
    ingreso_declarado_mxn: Numero
    ingreso_mensual_mxn: Numero = Field(..., description="Base usada: el declarado, o piso/tope")
    ajuste: str | None = Field(None, description="'piso' o 'tope' si se estimó en el límite")
    dias_por_mes: Numero
    sbc_diario: Numero
    uma_diaria: Numero
    salario_minimo_diario: Numero
    piso: Limite
    tope: Limite
    desglose: list[LineaDesglose]
    salario_minimo: ValorUsado
    uma: ValorUsado
    cesantia_vejez: CesantiaUsada
    total_trabajador: Numero
    total_patron: Numero
    total_mensual: Numero = Field(..., description="Estimación sin prima de riesgos de trabajo")
    riesgo_trabajo: RiesgoTrabajoOut
    rango: Rango
    totales_por_periodo: dict[str, Numero] = Field(..., description="Meses (1,2,3,6,12) → total")
    avisos: list[AvisoOut]
    referencia_imss: ReferenciaImss
    fuentes: list[str]


# ---------------------------------------------------------------- registros
class Consentimiento(BaseModel):
    version_aviso: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]
    aceptado_en: datetime

    model_config = SIN_EXTRAS


def _clean(value: str, campo: str, ejemplo: str) -> str:
    value = " ".join(str(value).split())
    if not value:
        raise v.ErrorValidacion(f"El campo {campo} no puede estar vacío. {ejemplo}", campo)
    return value


class RegistroIn(BaseModel):
    consentimiento: Consentimiento
    curp: Annotated[str, StringConstraints(max_length=40)]
    nombre: Annotated[str, StringConstraints(max_length=200)]
    email: Annotated[str, StringConstraints(max_length=320)]
    telefono: Annotated[str, StringConstraints(max_length=40)]
    pais_residencia: Annotated[str, StringConstraints(max_length=80)] = Field(
        ..., examples=["Estados Unidos"]
    )
    ciudad_residencia: Annotated[str, StringConstraints(max_length=120)] = Field(
        ..., examples=["Chicago"]
    )
    ocupacion: Annotated[str, StringConstraints(max_length=120)] = Field(
        ..., examples=["Carpintero"]
    )
    ingreso_mensual: Monto
    moneda: Moneda = Moneda.MXN
    tipo_cambio: TipoCambio | None = None
    nss: Annotated[str, StringConstraints(max_length=20)] | None = None
    # The Mexican address the IMSS form asks for (clinic assignment); all optional.
    domicilio_estado: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, examples=["Jalisco"]
    )
    domicilio_municipio: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        None, description="Municipio o alcaldía", examples=["Zapopan"]
    )
    domicilio_cp: Annotated[str, StringConstraints(max_length=10)] | None = Field(
        None, description="Código postal de 5 dígitos", examples=["45010"]
    )
    domicilio_colonia: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        None, examples=["Centro"]
    )
    fecha_nacimiento: date | None = None
    sexo: Annotated[str, StringConstraints(max_length=1)] | None = Field(
        None, description="H, M o X, como en la CURP"
    )
    estado_nacimiento: Annotated[str, StringConstraints(max_length=2)] | None = Field(
        None, description="Clave de 2 letras"
    )
    consulado: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = (
        Field(None, description="Consulado más cercano a la residencia (para estadísticas)")
    )
    recordatorios: bool = Field(
        False,
        description="La persona aceptó un recordatorio mensual de pago (puede darse de baja con "
        "BAJA)",
    )
    canal: Canal | None = Field(
        None, description="Canal de la conversación que envía el prerregistro (para avisos)"
    )
    direccion_canal: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = Field(None, description="Dirección en ese canal (id de la conversación o número)")

    model_config = SIN_EXTRAS

    @field_validator("curp")
    @classmethod
    def _curp(cls, value):
        return v.validar_curp(value).curp

    @field_validator("nombre")
    @classmethod
    def _nombre(cls, value):
        # The chat's and the console's rule (bot.lectura), so the API refuses the same names.
        return lectura.validar_nombre(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        return v.validar_correo(value)

    @field_validator("telefono")
    @classmethod
    def _telefono(cls, value):
        return v.normalizar_telefono(value)

    @field_validator("pais_residencia")
    @classmethod
    def _pais(cls, value):
        return _clean(value, "pais_residencia", "Ejemplo: Estados Unidos.")

    @field_validator("ciudad_residencia")
    @classmethod
    def _ciudad(cls, value):
        return _clean(value, "ciudad_residencia", "Ejemplo: Chicago.")

    @field_validator("ocupacion")
    @classmethod
    def _ocupacion(cls, value):
        return lectura.validar_ocupacion(value)

    @field_validator("nss")
    @classmethod
    def _nss(cls, value):
        return None if value is None else v.validar_nss(value)

    # The chat's and the console's rules (bot/), so the API refuses the same addresses.
    @field_validator("domicilio_estado")
    @classmethod
    def _domicilio_estado(cls, value):
        return None if value is None else lectura.validar_estado_mx(value)

    @field_validator("domicilio_municipio")
    @classmethod
    def _domicilio_municipio(cls, value):
        if value is None:
            return None
        return lectura.validar_lugar_mx(
            value, "domicilio_municipio", "el municipio o la alcaldía", "Ejemplo: Zapopan."
        )

    @field_validator("domicilio_cp")
    @classmethod
    def _domicilio_cp(cls, value):
        return None if value is None else v.validar_codigo_postal_mx(value)

    @field_validator("domicilio_colonia")
    @classmethod
    def _domicilio_colonia(cls, value):
        if value is None:
            return None
        return lectura.validar_lugar_mx(
            value, "domicilio_colonia", "la colonia", "Ejemplo: Centro."
        )

    @field_validator("sexo")
    @classmethod
    def _sexo(cls, value):
        if value is None:
            return None
        value = value.upper()
        if value not in ("H", "M", "X"):
            raise v.ErrorValidacion("El sexo debe ser H, M o X, como aparece en la CURP.", "sexo")
        return value

    @field_validator("estado_nacimiento")
    @classmethod
    def _estado(cls, value):
        if value is None:
            return None
        value = value.upper()
        if value not in v.ESTADOS_CURP:
            raise v.ErrorValidacion(
                "La clave de estado debe ser la de 2 letras de la CURP, p. ej. JC (Jalisco).",
                "estado_nacimiento",
            )
        return value


class LineaImss(BaseModel):
    """What IMSS issued, as the promoter recorded it (never generated by Orienta)."""

    linea_captura: str
    monto: Numero
    vence_el: date
    registrada_en: datetime
    nota: str = "Emitida por el IMSS; la registró la promotora. Revisa los datos en tu línea."


class RegistroOut(BaseModel):
    folio: str
    estado: str
    estado_etiqueta: str = Field("", description="El estado en palabras")
    siguiente_paso: str = Field("", description="Qué sigue para la persona")
    recordatorios: bool = False
    linea_imss: LineaImss | None = Field(
        None, description="Solo con el código de un solo uso (o la clave admin)"
    )
    motivo_cierre: str | None = None
    anio_tarifa: int
    tabla_version: str
    monto_mensual: Numero | None = Field(None, description="Vacío si el registro se borró")
    estimacion: bool = True
    aviso: str
    que_es: str = Field(..., description="Qué es un prerregistro: no es la inscripción al IMSS")
    creado_en: datetime
    activado_en: datetime | None = None


class Proposito(str, Enum):
    CONSULTA = "consulta"
    BORRADO = "borrado"


#: The assistant's conversation id: failed attempts are counted per conversation (stored as an
#: HMAC, never in clear).
Conversacion = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Codigo = Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)]


class CodigoIn(BaseModel):
    """Ask for a one-time code to the phone of the registration (folio AND CURP must match)."""

    folio: Annotated[str, StringConstraints(max_length=40)]
    curp: Annotated[str, StringConstraints(max_length=40)]
    proposito: Proposito
    conversacion: Conversacion | None = None

    model_config = SIN_EXTRAS


class CodigoOut(BaseModel):
    enviado: bool
    medio: str = Field(..., description="sms, whatsapp o desarrollo (Twilio sin configurar)")
    vence_en: datetime
    mensaje: str


class ConsultaIn(BaseModel):
    folio: Annotated[str, StringConstraints(max_length=40)]
    curp: Annotated[str, StringConstraints(max_length=40)]
    codigo: Codigo = Field(..., description="Código de 6 dígitos enviado al teléfono registrado")
    conversacion: Conversacion | None = None

    model_config = SIN_EXTRAS


class BorradoIn(BaseModel):
    folio: Annotated[str, StringConstraints(max_length=40)]
    curp: Annotated[str, StringConstraints(max_length=40)]
    codigo: Codigo = Field(..., description="Código de 6 dígitos enviado al teléfono registrado")
    conversacion: Conversacion | None = None

    model_config = SIN_EXTRAS


class CurpIn(BaseModel):
    curp: Annotated[str, StringConstraints(max_length=40)]

    model_config = SIN_EXTRAS


class EliminadoOut(BaseModel):
    folio: str
    estado: str
    mensaje: str
    conversaciones: list[str] = Field(
        default_factory=list,
        description="Hashes de las conversaciones de la persona con el asistente (32 hex): el "
        "asistente borra también esas conversaciones",
    )


# ---------------------------------------------------------------- canalizaciones
class AutorHistorial(str, Enum):
    persona = "persona"
    asistente = "asistente"


class OrigenCanalizacion(str, Enum):
    real = "real"
    prueba = "prueba"
    bench = "bench"


class MensajeHistorial(BaseModel):
    """One message of the conversation before the handoff (the thread's first messages)."""

    autor: AutorHistorial
    texto: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]

    model_config = SIN_EXTRAS


class CanalizacionIn(BaseModel):
    resumen: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    canal: Canal
    direccion_canal: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    consulado: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = (
        None
    )
    # The person's city, when the conversation learnt it: the nearest consulate's queue.
    ciudad: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    historial: Annotated[list[MensajeHistorial], Field(max_length=30)] = Field(default_factory=list)
    # Tests and benchmarks label their tickets: left out of the queue and statistics by default.
    origen: OrigenCanalizacion = OrigenCanalizacion.real

    model_config = SIN_EXTRAS


class CerrarIn(BaseModel):
    respuesta: Annotated[str, StringConstraints(max_length=4000)] | None = None

    model_config = SIN_EXTRAS


class CanalizacionOut(BaseModel):
    id: int
    resumen: str
    canal: Canal
    direccion_canal: str
    consulado: str | None = None
    estado: EstadoCanalizacion
    respuesta: str | None = None
    creada_en: datetime
    cerrada_en: datetime | None = None
    motivo_cierre: str | None = None
    origen: str = "real"


class TransicionIn(BaseModel):
    """A promoter's move of the case (bot/caso.py): the destination and its fields."""

    destino: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)]
    nss: Annotated[str, StringConstraints(max_length=20)] | None = None
    linea_captura: Annotated[str, StringConstraints(max_length=40)] | None = None
    linea_monto: Annotated[str, StringConstraints(max_length=20)] | None = None
    linea_vence_en: date | None = None
    motivo: Annotated[str, StringConstraints(max_length=400)] | None = None

    model_config = SIN_EXTRAS


class BajaIn(BaseModel):
    canal: Canal
    direccion: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]

    model_config = SIN_EXTRAS


class BajaOut(BaseModel):
    registros: int
    mensaje: str


class AvisosIn(BaseModel):
    canal: Canal
    direccion: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]

    model_config = SIN_EXTRAS


class AvisosOut(BaseModel):
    avisos: list[str]


class Health(BaseModel):
    status: str
    database: str
