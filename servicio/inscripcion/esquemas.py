"""Request/response models (pydantic v1). Validators raise Spanish messages."""

# ruff: noqa: UP006, UP007, UP035, UP045
# pydantic 1.8.2 (pinned by Rasa) does not understand `X | None` or builtin generics
# in model/endpoint annotations, so this module keeps typing.Optional/List/Dict.
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Dict, List, Optional

from pydantic import BaseModel, Field, condecimal, constr, validator

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


Monto = condecimal(gt=Decimal(0), le=Decimal("100000000"), max_digits=14, decimal_places=2)
TipoCambio = condecimal(gt=Decimal(0), le=Decimal("1000"), max_digits=12, decimal_places=4)


class Error(BaseModel):
    campo: Optional[str] = Field(None, description="Campo con el problema (null si es general)")
    mensaje: str


class ErrorResponse(BaseModel):
    detail: List[Error]


# ---------------------------------------------------------------- cotizaciones
class CotizacionIn(BaseModel):
    ingreso_mensual: Monto = Field(..., description="Ingreso mensual declarado", example=12000)
    moneda: Moneda = Moneda.MXN
    tipo_cambio: Optional[TipoCambio] = Field(
        None, description="MXN por 1 USD; si falta y moneda=USD se usa el valor configurado"
    )
    anio: Optional[int] = Field(
        None, ge=1900, le=2200, description="Año de la tabla; por omisión el actual"
    )

    class Config:
        extra = "forbid"


class LineaDesglose(BaseModel):
    clave: str
    seguro: str
    concepto: str
    base: str
    base_mensual: Decimal
    tasa_trabajador: Decimal = Field(..., description="Porcentaje")
    tasa_patron: Decimal = Field(..., description="Porcentaje")
    cuota_trabajador: Decimal
    cuota_patron: Decimal
    total: Decimal
    fundamento: str
    supuesto: bool
    nota: str


class Limite(BaseModel):
    mensual: Decimal
    diario: Decimal
    descripcion: str
    supuesto: bool
    nota: str


class CotizacionOut(BaseModel):
    estimacion: bool = True
    aviso: str
    anio: int
    tabla_version: str
    moneda: Moneda
    ingreso_mensual: Decimal
    tipo_cambio: Optional[Decimal]
    ingreso_mensual_mxn: Decimal
    dias_por_mes: Decimal
    sbc_diario: Decimal
    uma_diaria: Decimal
    salario_minimo_diario: Decimal
    piso: Limite
    tope: Limite
    desglose: List[LineaDesglose]
    total_trabajador: Decimal
    total_patron: Decimal
    total_mensual: Decimal
    totales_por_periodo: Dict[str, Decimal] = Field(..., description="Meses (1,2,3,6,12) → total")
    fuentes: List[str]


# ---------------------------------------------------------------- registros
class Consentimiento(BaseModel):
    version_aviso: constr(strip_whitespace=True, min_length=1, max_length=40)
    aceptado_en: datetime

    class Config:
        extra = "forbid"


def _clean(value: str, campo: str, ejemplo: str) -> str:
    value = " ".join(str(value).split())
    if not value:
        raise v.ErrorValidacion(f"El campo {campo} no puede estar vacío. {ejemplo}", campo)
    return value


class RegistroIn(BaseModel):
    consentimiento: Consentimiento
    curp: constr(max_length=40)
    nombre: constr(max_length=200)
    email: constr(max_length=320)
    telefono: constr(max_length=40)
    pais_residencia: constr(max_length=80) = Field(..., example="Estados Unidos")
    ciudad_residencia: constr(max_length=120) = Field(..., example="Chicago")
    ocupacion: constr(max_length=120) = Field(..., example="Carpintero")
    ingreso_mensual: Monto
    moneda: Moneda = Moneda.MXN
    tipo_cambio: Optional[TipoCambio] = None
    nss: Optional[constr(max_length=20)] = None
    fecha_nacimiento: Optional[date] = None
    sexo: Optional[constr(max_length=1)] = Field(None, description="H, M o X, como en la CURP")
    estado_nacimiento: Optional[constr(max_length=2)] = Field(None, description="Clave de 2 letras")
    consulado: Optional[constr(strip_whitespace=True, max_length=120)] = Field(
        None, description="Consulado más cercano a la residencia (para estadísticas)"
    )

    class Config:
        extra = "forbid"

    @validator("curp")
    def _curp(cls, value):
        return v.validar_curp(value).curp

    @validator("nombre")
    def _nombre(cls, value):
        # The chat's and the console's rule (bot.lectura), so the API refuses the same names.
        return lectura.validar_nombre(value)

    @validator("email")
    def _email(cls, value):
        return v.validar_correo(value)

    @validator("telefono")
    def _telefono(cls, value):
        return v.normalizar_telefono(value)

    @validator("pais_residencia")
    def _pais(cls, value):
        return _clean(value, "pais_residencia", "Ejemplo: Estados Unidos.")

    @validator("ciudad_residencia")
    def _ciudad(cls, value):
        return _clean(value, "ciudad_residencia", "Ejemplo: Chicago.")

    @validator("ocupacion")
    def _ocupacion(cls, value):
        return lectura.validar_ocupacion(value)

    @validator("nss")
    def _nss(cls, value):
        return None if value is None else v.validar_nss(value)

    @validator("sexo")
    def _sexo(cls, value):
        if value is None:
            return None
        value = value.upper()
        if value not in ("H", "M", "X"):
            raise v.ErrorValidacion("El sexo debe ser H, M o X, como aparece en la CURP.", "sexo")
        return value

    @validator("estado_nacimiento")
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


class LineaCaptura(BaseModel):
    referencia: str = Field(
        ..., description="20 dígitos; los 2 últimos son verificadores ISO 7064 MOD 97-10"
    )
    monto: Decimal
    vence_en: datetime
    vigente: bool


class RegistroOut(BaseModel):
    folio: str
    estado: str
    anio_tarifa: int
    tabla_version: str
    monto_mensual: Decimal
    estimacion: bool = True
    aviso: str
    linea_captura: Optional[LineaCaptura]
    creado_en: datetime
    activado_en: Optional[datetime] = None


class ConsultaIn(BaseModel):
    folio: constr(max_length=40)
    curp: constr(max_length=40)

    class Config:
        extra = "forbid"


class CurpIn(BaseModel):
    curp: constr(max_length=40)

    class Config:
        extra = "forbid"


class EliminadoOut(BaseModel):
    folio: str
    estado: str
    mensaje: str


# ---------------------------------------------------------------- canalizaciones
class CanalizacionIn(BaseModel):
    resumen: constr(strip_whitespace=True, min_length=1, max_length=1000)
    canal: Canal
    direccion_canal: constr(strip_whitespace=True, min_length=1, max_length=200)
    consulado: Optional[constr(strip_whitespace=True, max_length=120)] = None

    class Config:
        extra = "forbid"


class CerrarIn(BaseModel):
    respuesta: Optional[constr(max_length=4000)] = None

    class Config:
        extra = "forbid"


class CanalizacionOut(BaseModel):
    id: int
    resumen: str
    canal: Canal
    direccion_canal: str
    consulado: Optional[str]
    estado: EstadoCanalizacion
    respuesta: Optional[str]
    creada_en: datetime
    cerrada_en: Optional[datetime]


class Health(BaseModel):
    status: str
    database: str
