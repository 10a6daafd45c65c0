"""Console accounts and sessions: password hashing, session tokens, CSRF and login throttling.

Passwords use scrypt from the standard library (memory-hard, no extra dependency). Sessions are
server-side rows keyed by the SHA-256 of a random token, so the cookie alone cannot be forged
and logging out or deactivating an account ends every session at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.tiempo import ahora_utc, en_utc
from servicio.inscripcion import modelos as m

# scrypt cost: 16 MiB and ~50 ms per check on the 2-core target machine.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PASSWORD_MIN = 12
PASSWORD_MAX = 256
SESION_HORAS = 8  # a working day at the desk
# Login throttling: failures counted over a window, per account and per address.
VENTANA_INTENTOS = timedelta(minutes=15)
MAX_FALLOS_USUARIO = 5
MAX_FALLOS_IP = 20


class ClaveInvalida(ValueError):
    """A password that does not meet the policy (message in Spanish)."""


def validar_clave(clave: str) -> str:
    if not PASSWORD_MIN <= len(clave) <= PASSWORD_MAX:
        raise ClaveInvalida(
            f"La contraseña debe tener entre {PASSWORD_MIN} y {PASSWORD_MAX} caracteres."
        )
    if clave.strip() != clave or len(set(clave)) < 5:
        raise ClaveInvalida(
            "La contraseña no debe empezar ni terminar con espacios ni repetir casi un solo "
            "carácter."
        )
    return clave


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(clave: str, sal: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(clave.encode("utf-8"), salt=sal, n=n, r=r, p=p, maxmem=64 * 2**20)


def hash_clave(clave: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), self-describing so the cost can be raised later."""
    sal = secrets.token_bytes(16)
    digest = _scrypt(clave, sal, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(sal)}${_b64(digest)}"


def verificar_clave(clave: str, guardado: str) -> bool:
    try:
        esquema, n, r, p, sal, digest = guardado.split("$")
        if esquema != "scrypt":
            return False
        calculado = _scrypt(clave, base64.b64decode(sal), int(n), int(r), int(p))
        return hmac.compare_digest(calculado, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


# Checked when the account does not exist, so an unknown user costs the same time as a known one.
_HASH_SENUELO = hash_clave(secrets.token_urlsafe(16))


def normalizar_usuario(usuario: str) -> str:
    return (usuario or "").strip().lower()


def autenticar(session: Session, usuario: str, clave: str) -> m.Promotor | None:
    """The active account whose password matches, else None (same cost either way)."""
    cuenta = session.execute(
        select(m.Promotor).where(m.Promotor.usuario == normalizar_usuario(usuario))
    ).scalar_one_or_none()
    ok = verificar_clave(clave, cuenta.password_hash if cuenta else _HASH_SENUELO)
    if cuenta is None or not ok or not cuenta.activo:
        return None
    return cuenta


# ------------------------------------------------------------------ throttling
def _claves_intento(usuario: str, ip: str) -> tuple[str, str]:
    return f"u:{normalizar_usuario(usuario)[:60]}", f"ip:{ip[:100]}"


def _fallos(session: Session, clave: str, desde: datetime) -> int:
    return session.execute(
        select(func.count()).where(m.IntentoLogin.clave == clave, m.IntentoLogin.en >= desde)
    ).scalar_one()


def bloqueado(session: Session, usuario: str, ip: str, ahora: datetime | None = None) -> bool:
    """True when this account or this address failed too often in the last 15 minutes."""
    desde = (ahora or ahora_utc()) - VENTANA_INTENTOS
    por_usuario, por_ip = _claves_intento(usuario, ip)
    return (
        _fallos(session, por_usuario, desde) >= MAX_FALLOS_USUARIO
        or _fallos(session, por_ip, desde) >= MAX_FALLOS_IP
    )


def registrar_fallo(session: Session, usuario: str, ip: str) -> None:
    ahora = ahora_utc()
    for clave in _claves_intento(usuario, ip):
        session.add(m.IntentoLogin(clave=clave, en=ahora))
    # Old failures only matter for the window; keep the table small.
    session.execute(delete(m.IntentoLogin).where(m.IntentoLogin.en < ahora - timedelta(days=1)))
    session.commit()


def limpiar_fallos(session: Session, usuario: str) -> None:
    por_usuario, _ = _claves_intento(usuario, "")
    session.execute(delete(m.IntentoLogin).where(m.IntentoLogin.clave == por_usuario))


# ------------------------------------------------------------------ sessions
def _id_sesion(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SesionActiva:
    promotor: m.Promotor
    csrf: str


def abrir_sesion(session: Session, cuenta: m.Promotor) -> str:
    """Create a session and return the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    ahora = ahora_utc()
    session.add(
        m.SesionConsola(
            id=_id_sesion(token),
            promotor_id=cuenta.id,
            csrf=secrets.token_urlsafe(32),
            creada_en=ahora,
            expira_en=ahora + timedelta(hours=SESION_HORAS),
        )
    )
    cuenta.ultimo_acceso_en = ahora
    limpiar_fallos(session, cuenta.usuario)
    session.execute(delete(m.SesionConsola).where(m.SesionConsola.expira_en < ahora))
    session.commit()
    return token


def sesion_de(session: Session, token: str | None) -> SesionActiva | None:
    if not token or len(token) > 200:
        return None
    fila = session.get(m.SesionConsola, _id_sesion(token))
    if fila is None or en_utc(fila.expira_en) <= ahora_utc():
        return None
    cuenta = session.get(m.Promotor, fila.promotor_id)
    if cuenta is None or not cuenta.activo:
        return None
    return SesionActiva(cuenta, fila.csrf)


def cerrar_sesion(session: Session, token: str | None) -> None:
    if token and len(token) <= 200:
        session.execute(delete(m.SesionConsola).where(m.SesionConsola.id == _id_sesion(token)))
        session.commit()


def csrf_valido(esperado: str | None, recibido: str | None) -> bool:
    if not esperado or not recibido:
        return False
    return hmac.compare_digest(esperado.encode(), recibido.encode())
