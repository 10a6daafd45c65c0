"""Console accounts from the command line (there is no sign-up page on purpose).

    python -m servicio.consola.cuentas crear ana --nombre "Ana Pérez" --consulado "Chicago, IL"
    python -m servicio.consola.cuentas listar
    python -m servicio.consola.cuentas clave ana          # new password
    python -m servicio.consola.cuentas desactivar ana     # ends every session of the account

The password is asked twice without echo, or read from standard input with ``--clave-stdin``
(scripts, tests). Uses DATABASE_URL like the service and applies pending migrations first.
"""

from __future__ import annotations

import argparse
import getpass
import re
import secrets
import sys
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tiempo import ahora_utc
from servicio.inscripcion import modelos as m

from .seguridad import ClaveInvalida, hash_clave, normalizar_usuario, validar_clave

_USUARIO = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")


class ErrorCuenta(ValueError):
    """A message in Spanish for the person running the command."""


def validar_usuario(usuario: str) -> str:
    usuario = normalizar_usuario(usuario)
    if not _USUARIO.match(usuario):
        raise ErrorCuenta(
            "El usuario debe tener de 3 a 60 caracteres: letras sin acentos, números, punto, "
            "guion o guion bajo (p. ej. ana.perez)."
        )
    return usuario


def crear(
    session: Session,
    usuario: str,
    nombre: str,
    clave: str,
    rol: str = m.ROL_PROMOTOR,
    consulado: str | None = None,
) -> m.Promotor:
    usuario = validar_usuario(usuario)
    nombre = " ".join((nombre or "").split())
    if not 2 <= len(nombre) <= 120:
        raise ErrorCuenta("Escribe el nombre de la persona (de 2 a 120 caracteres).")
    if rol not in m.ROLES:
        raise ErrorCuenta(f"El rol debe ser uno de: {', '.join(m.ROLES)}.")
    try:
        validar_clave(clave)
    except ClaveInvalida as error:
        raise ErrorCuenta(str(error)) from None
    cuenta = m.Promotor(
        usuario=usuario,
        nombre=nombre,
        rol=rol,
        consulado=(consulado or "").strip()[:120] or None,
        password_hash=hash_clave(clave),
        activo=True,
        creado_en=ahora_utc(),
    )
    session.add(cuenta)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ErrorCuenta(f"Ya existe una cuenta con el usuario «{usuario}».") from None
    return cuenta


def _cuenta(session: Session, usuario: str) -> m.Promotor:
    cuenta = session.execute(
        select(m.Promotor).where(m.Promotor.usuario == normalizar_usuario(usuario))
    ).scalar_one_or_none()
    if cuenta is None:
        raise ErrorCuenta(f"No existe la cuenta «{normalizar_usuario(usuario)}».")
    return cuenta


def _cerrar_sesiones(session: Session, cuenta: m.Promotor) -> None:
    session.execute(delete(m.SesionConsola).where(m.SesionConsola.promotor_id == cuenta.id))


def cambiar_clave(session: Session, usuario: str, clave: str) -> m.Promotor:
    cuenta = _cuenta(session, usuario)
    try:
        validar_clave(clave)
    except ClaveInvalida as error:
        raise ErrorCuenta(str(error)) from None
    cuenta.password_hash = hash_clave(clave)
    _cerrar_sesiones(session, cuenta)
    session.commit()
    return cuenta


def desactivar(session: Session, usuario: str) -> m.Promotor:
    cuenta = _cuenta(session, usuario)
    cuenta.activo = False
    _cerrar_sesiones(session, cuenta)
    session.commit()
    return cuenta


def crear_admin_inicial(session: Session, usuario: str = "admin") -> str | None:
    """On a database without accounts, create an admin with a random password and return it.

    Lets a fresh ``make run`` open the console; the password is shown once and should be changed
    (``python -m servicio.consola.cuentas clave admin``). None when any account already exists.
    """
    if session.execute(select(m.Promotor.id).limit(1)).first() is not None:
        return None
    clave = secrets.token_urlsafe(12)
    try:
        crear(session, usuario, "Administración", clave, rol=m.ROL_ADMIN)
    except ErrorCuenta:  # another process created it first
        return None
    return clave


def listar(session: Session) -> list[m.Promotor]:
    return list(session.execute(select(m.Promotor).order_by(m.Promotor.usuario)).scalars())


# ------------------------------------------------------------------ CLI
def _leer_clave(desde_stdin: bool) -> str:
    if desde_stdin:
        return sys.stdin.readline().rstrip("\n")
    primera = getpass.getpass("Contraseña (mínimo 12 caracteres): ")
    if getpass.getpass("Repítela: ") != primera:
        raise ErrorCuenta("Las contraseñas no coinciden.")
    return primera


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m servicio.consola.cuentas", description=__doc__)
    sub = p.add_subparsers(dest="orden", required=True)
    c = sub.add_parser("crear", help="crear una cuenta")
    c.add_argument("usuario")
    c.add_argument("--nombre", required=True)
    c.add_argument("--rol", choices=m.ROLES, default=m.ROL_PROMOTOR)
    c.add_argument("--consulado", help='p. ej. "Chicago, IL" (para las estadísticas)')
    c.add_argument("--clave-stdin", action="store_true")
    k = sub.add_parser("clave", help="cambiar la contraseña (cierra sus sesiones)")
    k.add_argument("usuario")
    k.add_argument("--clave-stdin", action="store_true")
    d = sub.add_parser("desactivar", help="desactivar una cuenta (cierra sus sesiones)")
    d.add_argument("usuario")
    sub.add_parser("listar", help="listar las cuentas")
    i = sub.add_parser("inicial", help="si no hay cuentas, crear «admin» con clave aleatoria")
    i.add_argument("--archivo", required=True, help="dónde guardar la clave (permisos 0600)")
    return p


def _cuenta_inicial(session: Session, archivo: str) -> None:
    """Prints the console hint for `make run`; the password itself only goes to the file."""
    ruta = Path(archivo)
    clave = crear_admin_inicial(session)
    if clave is not None:
        ruta.parent.mkdir(parents=True, exist_ok=True)
        ruta.write_text(f"usuario: admin\ncontraseña: {clave}\n", encoding="utf-8")
        ruta.chmod(0o600)
    if ruta.exists():
        print(
            f"    primera cuenta: usuario admin, contraseña en {ruta} "
            "(cámbiala: python -m servicio.consola.cuentas clave admin)"
        )
    print('    más cuentas: make promotor USUARIO=ana NOMBRE="Ana Pérez" CONSULADO="Chicago, IL"')


def main(argv: list[str] | None = None) -> int:
    from servicio.inscripcion.ajustes import AjustesServicio
    from servicio.inscripcion.bd import crear_fabrica_sesiones, crear_motor
    from servicio.inscripcion.migrar import aplicar_migraciones

    args = _parser().parse_args(argv)
    url = AjustesServicio().database_url
    aplicar_migraciones(url)
    engine = crear_motor(url, pool_size=1)
    try:
        with crear_fabrica_sesiones(engine)() as session:
            if args.orden == "crear":
                cuenta = crear(
                    session,
                    args.usuario,
                    args.nombre,
                    _leer_clave(args.clave_stdin),
                    args.rol,
                    args.consulado,
                )
                print(f"Cuenta creada: {cuenta.usuario} ({cuenta.rol}).")
            elif args.orden == "clave":
                cuenta = cambiar_clave(session, args.usuario, _leer_clave(args.clave_stdin))
                print(f"Contraseña cambiada para {cuenta.usuario}; sus sesiones se cerraron.")
            elif args.orden == "desactivar":
                cuenta = desactivar(session, args.usuario)
                print(f"Cuenta desactivada: {cuenta.usuario}.")
            elif args.orden == "inicial":
                _cuenta_inicial(session, args.archivo)
            else:
                for cuenta in listar(session):
                    estado = "activa" if cuenta.activo else "desactivada"
                    lugar = cuenta.consulado or "sin consulado"
                    print(f"{cuenta.usuario:<20} {cuenta.rol:<9} {estado:<12} {lugar}")
    except ErrorCuenta as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
