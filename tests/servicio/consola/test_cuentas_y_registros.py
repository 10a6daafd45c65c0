"""Console rules without HTTP: passwords, sessions, login throttling, accounts, search,
assisted registration and the audit trail (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.cuota import cuota_del_anio
from bot.tiempo import ahora_utc
from servicio.consola import auditoria, cuentas, registros, seguridad
from servicio.inscripcion import modelos as m
from servicio.inscripcion.bd import crear_fabrica_sesiones

CLAVE = "una-clave-larga-2026"
CURP = "HEGG560427MVZRRL04"


@pytest.fixture
def session(engine):
    with crear_fabrica_sesiones(engine)() as s:
        yield s


@pytest.fixture
def ana(session):
    return cuentas.crear(session, "Ana.Perez", "Ana Pérez", CLAVE, consulado="Chicago, IL")


def formulario(**cambios) -> registros.Formulario:
    datos = {
        "consentimiento": "si",
        "curp": CURP.lower(),
        "nombre": "gloria hernández garcía",
        "email": "gloria@example.com",
        "telefono": "(312) 555-0199",
        "residencia": "chicaco, illinois",
        "ocupacion": "limpieza de casas",
        "ingreso": "2,000 dólares",
        "moneda": "MXN",
    }
    datos.update(cambios)
    return registros.Formulario.desde(datos)


# ------------------------------------------------------------------ passwords
def test_password_hash_round_trip_and_format():
    guardado = seguridad.hash_clave(CLAVE)
    assert guardado.startswith("scrypt$16384$8$1$")
    assert CLAVE not in guardado
    assert seguridad.verificar_clave(CLAVE, guardado)
    assert not seguridad.verificar_clave(CLAVE + "x", guardado)
    assert seguridad.hash_clave(CLAVE) != guardado  # salted


@pytest.mark.parametrize("guardado", ["", "texto", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AA$AA"])
def test_malformed_hashes_never_verify(guardado):
    assert not seguridad.verificar_clave(CLAVE, guardado)


@pytest.mark.parametrize("clave", ["corta", " empieza-con-espacio", "aaaaaaaaaaaaaaaa"])
def test_weak_passwords_are_refused(clave):
    with pytest.raises(seguridad.ClaveInvalida):
        seguridad.validar_clave(clave)


# ------------------------------------------------------------------ accounts
def test_account_is_created_lowercase_and_authenticates(session, ana):
    assert ana.usuario == "ana.perez" and ana.rol == m.ROL_PROMOTOR
    assert seguridad.autenticar(session, " ANA.PEREZ ", CLAVE).id == ana.id
    assert seguridad.autenticar(session, "ana.perez", "otra-clave-larga-1") is None
    assert seguridad.autenticar(session, "nadie", CLAVE) is None


def test_duplicate_or_invalid_accounts_are_refused(session, ana):
    with pytest.raises(cuentas.ErrorCuenta, match="Ya existe"):
        cuentas.crear(session, "ana.perez", "Otra Ana", CLAVE)
    with pytest.raises(cuentas.ErrorCuenta, match="usuario"):
        cuentas.crear(session, "a b", "Nombre", CLAVE)
    with pytest.raises(cuentas.ErrorCuenta, match="rol"):
        cuentas.crear(session, "beto", "Beto", CLAVE, rol="jefe")
    with pytest.raises(cuentas.ErrorCuenta, match="contraseña"):
        cuentas.crear(session, "beto", "Beto", "corta")


def test_deactivating_or_changing_password_ends_sessions(session, ana):
    token = seguridad.abrir_sesion(session, ana)
    assert seguridad.sesion_de(session, token).promotor.id == ana.id
    cuentas.cambiar_clave(session, "ana.perez", "nueva-clave-larga-99")
    assert seguridad.sesion_de(session, token) is None
    token = seguridad.abrir_sesion(session, ana)
    cuentas.desactivar(session, "ana.perez")
    assert seguridad.sesion_de(session, token) is None
    assert seguridad.autenticar(session, "ana.perez", "nueva-clave-larga-99") is None


def test_cli_creates_an_account_from_stdin(monkeypatch, db_url, engine, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(CLAVE + "\n"))
    argv = ["crear", "beto", "--nombre", "Beto Ruiz", "--rol", "admin", "--clave-stdin"]
    assert cuentas.main(argv) == 0
    assert "Cuenta creada: beto (admin)" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(CLAVE + "\n"))
    assert cuentas.main(argv) == 2
    assert "Ya existe" in capsys.readouterr().err


# ------------------------------------------------------------------ sessions
def test_session_token_is_stored_hashed_and_expires(session, ana):
    token = seguridad.abrir_sesion(session, ana)
    fila = session.execute(select(m.SesionConsola)).scalar_one()
    assert fila.id != token and len(fila.id) == 64
    session.execute(update(m.SesionConsola).values(expira_en=ahora_utc() - timedelta(seconds=1)))
    session.commit()
    assert seguridad.sesion_de(session, token) is None
    assert seguridad.sesion_de(session, None) is None
    assert seguridad.sesion_de(session, "x" * 500) is None


def test_logout_deletes_the_session(session, ana):
    token = seguridad.abrir_sesion(session, ana)
    seguridad.cerrar_sesion(session, token)
    assert seguridad.sesion_de(session, token) is None


def test_csrf_comparison():
    assert seguridad.csrf_valido("abc", "abc")
    assert not seguridad.csrf_valido("abc", "abd")
    assert not seguridad.csrf_valido("abc", "")
    assert not seguridad.csrf_valido(None, "abc")


# ------------------------------------------------------------------ throttling
def test_failures_delay_the_account_progressively_never_lock_it(session, ana):
    """Anyone who knows "ana.perez" used to lock her out for 15 minutes with 5 wrong passwords.
    Now each failure past the threshold doubles the wait, capped at ESPERA_MAX."""
    for _ in range(seguridad.UMBRAL_USUARIO - 1):
        seguridad.registrar_fallo(session, "ana.perez", "10.0.0.1")
    assert seguridad.espera(session, "ana.perez", "10.0.0.2") == timedelta(0)
    for _ in range(40):  # an attacker keeps trying
        seguridad.registrar_fallo(session, "ana.perez", "10.0.0.1")
    ahora = ahora_utc()
    espera = seguridad.espera(session, "ANA.PEREZ", "10.0.0.2", ahora=ahora)  # any address
    assert timedelta(0) < espera <= seguridad.ESPERA_MAX
    assert seguridad.espera(session, "beto", "10.0.0.2") == timedelta(0)  # other accounts
    # One minute after the attacker's last try, Ana's own attempt goes through.
    luego = ahora + seguridad.ESPERA_MAX + timedelta(seconds=1)
    assert seguridad.espera(session, "ana.perez", "10.0.0.2", ahora=luego) == timedelta(0)


def test_delays_double_with_each_failure(session, ana):
    esperas = []
    for _ in range(seguridad.UMBRAL_USUARIO + 3):
        seguridad.registrar_fallo(session, "ana.perez", "10.0.0.1")
        esperas.append(round(seguridad.espera(session, "ana.perez", "10.0.0.9").total_seconds()))
    assert esperas[-4:] == [1, 2, 4, 8]


def test_delays_per_address_across_accounts(session):
    for i in range(seguridad.UMBRAL_IP + 2):
        seguridad.registrar_fallo(session, f"usuario{i}", "10.9.9.9")
    assert seguridad.espera(session, "otro", "10.9.9.9") > timedelta(0)
    assert seguridad.espera(session, "otro", "10.9.9.8") == timedelta(0)


def test_successful_login_clears_the_account_failures(session, ana):
    for _ in range(seguridad.UMBRAL_USUARIO + 2):
        seguridad.registrar_fallo(session, "ana.perez", "10.0.0.1")
    seguridad.abrir_sesion(session, ana)
    seguridad.registrar_fallo(session, "ana.perez", "10.0.0.1")
    assert seguridad.espera(session, "ana.perez", "10.0.0.3") == timedelta(0)


def test_password_hashing_is_bounded(monkeypatch):
    """A login flood queues for scrypt (16 MiB each) instead of running 40 at once."""
    import threading
    import time

    activos, maximo, candado = 0, 0, threading.Lock()
    original = seguridad.hashlib.scrypt

    def contando(*args, **kwargs):
        nonlocal activos, maximo
        with candado:
            activos += 1
            maximo = max(maximo, activos)
        time.sleep(0.05)
        try:
            return original(*args, **kwargs)
        finally:
            with candado:
                activos -= 1

    monkeypatch.setattr(seguridad.hashlib, "scrypt", contando)
    guardado = seguridad.hash_clave("una-clave-larga-2026")
    hilos = [
        threading.Thread(target=seguridad.verificar_clave, args=("x" * 12, guardado))
        for _ in range(8)
    ]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert 1 <= maximo <= seguridad.MAX_HASHES_A_LA_VEZ


def test_hashing_saturated_raises_busy(monkeypatch):
    import threading

    monkeypatch.setattr(seguridad, "_HASHES", threading.BoundedSemaphore(1))
    monkeypatch.setattr(seguridad, "ESPERA_HASH_S", 0.01)
    seguridad._HASHES.acquire()
    try:
        with pytest.raises(seguridad.Ocupado):
            seguridad.hash_clave("una-clave-larga-2026")
    finally:
        seguridad._HASHES.release()


def test_idle_session_ends(session, ana):
    """A console left open at a shared desk: the next person finds it closed."""
    token = seguridad.abrir_sesion(session, ana)
    ahora = ahora_utc()
    assert seguridad.sesion_de(session, token, ahora=ahora + timedelta(minutes=20))
    # Activity pushes the deadline: 20 + 25 minutes is still within 30 of the last request.
    assert seguridad.sesion_de(session, token, ahora=ahora + timedelta(minutes=45))
    assert seguridad.sesion_de(session, token, ahora=ahora + timedelta(minutes=76)) is None


def test_active_session_still_ends_after_the_working_day(session, ana):
    token = seguridad.abrir_sesion(session, ana)
    ahora = ahora_utc()
    minutos = 0
    while minutos < seguridad.SESION_HORAS * 60 - 20:
        minutos += 20
        assert seguridad.sesion_de(session, token, ahora=ahora + timedelta(minutes=minutos))
    fin = ahora + timedelta(hours=seguridad.SESION_HORAS, minutes=1)
    assert seguridad.sesion_de(session, token, ahora=fin) is None


# ------------------------------------------------------------------ assisted registration
def test_valid_form_becomes_the_same_body_the_chat_sends():
    payload = registros.preparar(formulario(), "Chicago, IL")
    assert payload is not None
    assert payload.curp == CURP
    assert payload.nombre == "Gloria Hernández García"
    assert payload.telefono == "+13125550199"
    assert payload.ciudad_residencia == "Chicago, IL"
    assert payload.pais_residencia == "Estados Unidos"
    assert payload.ingreso_mensual == Decimal("2000") and payload.moneda.value == "USD"
    assert payload.consulado == "Chicago, IL"
    assert str(payload.fecha_nacimiento) == "1956-04-27" and payload.sexo == "M"


def test_weekly_income_is_converted_to_a_month_as_in_the_chat():
    payload = registros.preparar(formulario(ingreso="3000 dólares a la semana"), None)
    assert payload.ingreso_mensual == Decimal("12990.00") and payload.moneda.value == "USD"


@pytest.mark.parametrize(
    ("ingreso", "periodo", "mensual", "moneda"),
    [
        ("3000 dólares a la semana", "mes", "12990.00", "USD"),
        ("6000 pesos por quincena", "mes", "12000.00", "MXN"),
        ("180 mil pesos al año", "mes", "15000.00", "MXN"),
        ("3000 dólares", "semana", "12990.00", "USD"),
        ("6000", "quincena", "12000.00", "MXN"),
        ("3000 dólares a la semana", "anio", "12990.00", "USD"),  # the text's period wins
    ],
)
def test_income_period_in_the_text_or_the_select_as_in_the_chat(ingreso, periodo, mensual, moneda):
    payload = registros.preparar(formulario(ingreso=ingreso, periodo=periodo), None)
    assert payload.ingreso_mensual == Decimal(mensual) and payload.moneda.value == moneda


def test_an_unknown_period_is_read_as_a_month():
    form = formulario(ingreso="15000", periodo="siglo")
    assert form.valores["periodo"] == "mes"
    assert registros.preparar(form, None).ingreso_mensual == Decimal("15000")


def test_nss_and_mexican_address_are_optional_and_validated_as_in_the_chat():
    sin = registros.preparar(formulario(), None)
    assert sin.nss is None and sin.domicilio_cp is None
    con = registros.preparar(
        formulario(
            nss="12345678903",
            domicilio_estado="michoacan",
            domicilio_municipio="zinapécuaro",
            domicilio_cp="58930",
            domicilio_colonia="centro",
        ),
        None,
    )
    assert con.nss == "12345678903" and con.domicilio_estado == "Michoacán"
    assert (con.domicilio_municipio, con.domicilio_cp, con.domicilio_colonia) == (
        "Zinapécuaro",
        "58930",
        "Centro",
    )
    form = formulario(nss="123", domicilio_cp="5893", domicilio_estado="Texas")
    assert registros.preparar(form, None) is None
    assert {"nss", "domicilio_cp", "domicilio_estado"} <= set(form.errores)
    assert form.valores["domicilio_estado"] == "Texas"  # nothing lost


def test_income_per_day_is_a_field_error():
    form = formulario(ingreso="300 dólares al día")
    assert registros.preparar(form, None) is None
    assert "ingreso al mes" in form.errores["ingreso"]


def test_consulate_defaults_to_the_nearest_to_the_city():
    payload = registros.preparar(formulario(residencia="Dallas, Texas"), None)
    assert payload.consulado == "Dallas, TX"


def test_every_bad_field_is_reported_and_nothing_is_lost():
    form = formulario(
        consentimiento="", curp="HEGG560427MVZRRL0X", email="gloria@", ingreso="mucho"
    )
    assert registros.preparar(form, None) is None
    assert set(form.errores) == {"consentimiento", "curp", "email", "ingreso"}
    assert form.valores["nombre"] == "gloria hernández garcía"  # kept for the re-rendered form
    assert form.valores["email"] == "gloria@"
    assert all(isinstance(msg, str) and msg for msg in form.errores.values())


def test_dar_de_alta_records_the_promoter_origin_and_audit(session, ana):
    alta = registros.dar_de_alta(session, formulario(), ana, date(2026, 6, 1), Decimal("18.50"))
    reg = alta.registro
    assert alta.creado and reg.origen == m.ORIGEN_CONSOLA and reg.creado_por == ana.id
    assert reg.consulado == "Chicago, IL"
    assert reg.nombre_busqueda == "gloria hernandez garcia"
    fila = session.execute(select(m.Auditoria).where(m.Auditoria.folio == reg.folio)).scalar_one()
    assert (fila.accion, fila.actor) == ("registro_creado", f"promotor:{ana.id}")
    otra = registros.dar_de_alta(session, formulario(), ana, date(2026, 6, 1), Decimal("18.50"))
    assert not otra.creado and otra.registro.folio == reg.folio  # one open registration per CURP


def test_income_below_the_floor_is_recorded_and_estimated_at_the_floor(session, ana):
    alta = registros.dar_de_alta(
        session, formulario(ingreso="5000 pesos"), ana, date(2026, 6, 1), Decimal("18.50")
    )
    assert alta.registro is not None
    assert alta.registro.ingreso_mensual_mxn == Decimal("5000.00")  # what the person declared
    en_el_piso = cuota_del_anio(Decimal("9577.22"), 2026).total_mensual
    assert alta.registro.monto_mensual == en_el_piso


# ------------------------------------------------------------------ search and audit
@pytest.fixture
def registro(session, ana):
    return registros.dar_de_alta(
        session, formulario(), ana, date(2026, 6, 1), Decimal("18.50")
    ).registro


@pytest.mark.parametrize(
    ("consulta", "criterio"),
    [("folio", "folio"), ("curp", "curp"), ("HERNANDEZ gar", "nombre"), ("Hernández", "nombre")],
)
def test_search_by_folio_curp_or_name(session, registro, consulta, criterio):
    texto = {"folio": registro.folio.lower(), "curp": CURP.lower()}.get(consulta, consulta)
    busqueda = registros.buscar(session, texto)
    assert busqueda.criterio == criterio
    assert [r.folio for r in busqueda.registros] == [registro.folio]


@pytest.mark.parametrize("consulta", ["%", "___", "gl%ria", "OR-0000000000", "Pedro Páramo"])
def test_search_without_matches_or_too_short(session, registro, consulta):
    assert registros.buscar(session, consulta).registros == []


def test_short_search_explains_what_to_type(session):
    assert "4 letras" in registros.buscar(session, "abc").mensaje


def _otro_registro(session, consulado: str, nombre: str = "Gloria Hernández Ruiz") -> m.Registro:
    """A registration of another consulate, written directly (as the assistant would)."""
    from tests.ayudas import make_curp

    base = session.execute(select(m.Registro)).scalars().first()
    reg = m.Registro(
        **{
            c.key: getattr(base, c.key)
            for c in m.Registro.__table__.columns
            if c.key not in ("id", "folio", "open_curp", "curp", "creado_por", "consulado")
        }
    )
    reg.folio, reg.curp = "OR-7K2M9P4QXZ", make_curp()
    reg.open_curp, reg.consulado, reg.creado_por = reg.curp, consulado, None
    reg.nombre, reg.nombre_busqueda = nombre, "gloria hernandez ruiz"
    session.add(reg)
    session.commit()
    return reg


def test_a_promoter_searches_only_their_consulate(session, ana, registro):
    """Ana (Chicago) used to find Houston's registrations by name, CURP or folio."""
    from servicio.consola.alcance import Alcance

    ajeno = _otro_registro(session, "Houston, TX")
    alcance = Alcance.de(ana)
    for consulta in ("gloria hernandez", ajeno.curp, ajeno.folio):
        folios = [r.folio for r in registros.buscar(session, consulta, alcance).registros]
        assert ajeno.folio not in folios, consulta
    assert [r.folio for r in registros.buscar(session, "gloria", alcance).registros] == [
        registro.folio
    ]
    jefa = cuentas.crear(session, "jefa", "Rosa Admin", CLAVE, rol=m.ROL_ADMIN)
    nacional = registros.buscar(session, "gloria hernandez", Alcance.de(jefa)).registros
    assert {r.folio for r in nacional} == {registro.folio, ajeno.folio}


def test_name_search_shows_few_rows_and_has_an_hourly_budget(session, registro):
    assert registros.MAX_RESULTADOS_NOMBRE <= 10
    agotado = registros.buscar(
        session, "gloria", nombres_en_la_hora=registros.BUSQUEDAS_NOMBRE_POR_HORA
    )
    assert agotado.registros == [] and "en una hora" in agotado.mensaje
    # Folio and CURP searches are not name searches: no budget.
    assert registros.buscar(
        session, registro.folio, nombres_en_la_hora=registros.BUSQUEDAS_NOMBRE_POR_HORA
    ).registros


def test_audit_rows_name_the_promoter_and_the_record(session, ana, registro):
    assert (
        auditoria.anotar_accesos(session, ana, auditoria.VISTA, [registro.folio, registro.folio])
        == 1
    )
    entradas = auditoria.consultar(session, usuario="ana.perez")
    assert entradas[0].folio == registro.folio
    assert entradas[0].usuario == "ana.perez" and entradas[0].etiqueta == "abrió el registro"
    assert auditoria.consultar(session, folio="OR-NOEXISTE") == []


def test_confirmation_text_uses_the_assistant_words_and_has_no_reference(registro):
    texto = registros.texto_confirmacion(registro)
    assert registro.folio in texto and "el monto oficial lo da el IMSS" in texto
    assert "Todavía no es tu alta en el IMSS" in texto and "Referencia de pago" not in texto
    assert registro.linea_captura is None


def test_first_admin_only_on_an_empty_database(session, monkeypatch, db_url, tmp_path, capsys):
    clave = cuentas.crear_admin_inicial(session)
    assert clave and seguridad.autenticar(session, "admin", clave).rol == m.ROL_ADMIN
    assert cuentas.crear_admin_inicial(session) is None


def test_cli_initial_account_writes_the_password_to_a_private_file(
    monkeypatch, db_url, engine, tmp_path, capsys
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    archivo = tmp_path / "var" / "admin.txt"
    assert cuentas.main(["inicial", "--archivo", str(archivo)]) == 0
    salida = capsys.readouterr().out
    clave = archivo.read_text().split("contraseña: ")[1].strip()
    assert clave not in salida and str(archivo) in salida
    assert archivo.stat().st_mode & 0o777 == 0o600
    with crear_fabrica_sesiones(engine)() as s:
        assert seguridad.autenticar(s, "admin", clave) is not None
