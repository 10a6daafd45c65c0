"""Console accounts and sessions: password hashing, session tokens, CSRF and login throttling.

Passwords use scrypt from the standard library (memory-hard, no extra dependency), at most
``MAX_HASHES_A_LA_VEZ`` at once per process. Sessions are server-side rows keyed by the SHA-256
of a random token, so the cookie alone cannot be forged and logging out or deactivating an
account ends every session at once; a session ends after ``INACTIVIDAD`` without a request and
``SESION_HORAS`` after login in any case.

Failed logins never lock an account (anyone who knows a user name could keep a promoter out):
after a few failures each new attempt for that account, or from that address, waits a delay
that doubles with every failure, up to ``ESPERA_MAX``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
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
#: A console left open at a shared desk ends after this long without a request.
INACTIVIDAD = timedelta(minutes=30)
# Login throttling: failures counted over a window, per account and per address. From the
# threshold on, the next attempt waits 1, 2, 4, … seconds after the last failure (at most
# ESPERA_MAX); nothing is ever locked for longer.
VENTANA_INTENTOS = timedelta(minutes=15)
UMBRAL_USUARIO = 3
UMBRAL_IP = 10
ESPERA_MAX = timedelta(seconds=60)
#: Concurrent scrypt computations per process (16 MiB each): a login flood queues here instead
#: of taking the machine's memory and both cores.
MAX_HASHES_A_LA_VEZ = 2
ESPERA_HASH_S = 10.0
_HASHES = threading.BoundedSemaphore(MAX_HASHES_A_LA_VEZ)


class Ocupado(RuntimeError):
    """Too many password checks at once: the login answers 503 and the person retries."""


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
    """scrypt, never more than MAX_HASHES_A_LA_VEZ at once; raises Ocupado after ESPERA_HASH_S."""
    if not _HASHES.acquire(timeout=ESPERA_HASH_S):
        raise Ocupado("demasiadas verificaciones de contraseña a la vez")
    try:
        return hashlib.scrypt(clave.encode("utf-8"), salt=sal, n=n, r=r, p=p, maxmem=64 * 2**20)
    finally:
        _HASHES.release()


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


def _fallos(session: Session, clave: str, desde: datetime) -> tuple[int, datetime | None]:
    """How many failures since ``desde`` and when the last one was."""
    cuantos, ultimo = session.execute(
        select(func.count(), func.max(m.IntentoLogin.en)).where(
            m.IntentoLogin.clave == clave, m.IntentoLogin.en >= desde
        )
    ).one()
    return cuantos, en_utc(ultimo) if ultimo is not None else None


def _retraso(fallos: int, umbral: int) -> timedelta:
    if fallos < umbral:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(fallos - umbral, 16)), ESPERA_MAX)


def espera(session: Session, usuario: str, ip: str, ahora: datetime | None = None) -> timedelta:
    """How long this account and this address must wait before the next attempt (0: now)."""
    ahora = ahora or ahora_utc()
    por_usuario, por_ip = _claves_intento(usuario, ip)
    restante = timedelta(0)
    for clave, umbral in ((por_usuario, UMBRAL_USUARIO), (por_ip, UMBRAL_IP)):
        fallos, ultimo = _fallos(session, clave, ahora - VENTANA_INTENTOS)
        if ultimo is not None:
            restante = max(restante, ultimo + _retraso(fallos, umbral) - ahora)
    return restante


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


def _vence(creada: datetime, ahora: datetime) -> datetime:
    """The idle deadline, never past SESION_HORAS after login."""
    return min(en_utc(creada) + timedelta(hours=SESION_HORAS), ahora + INACTIVIDAD)


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
            expira_en=_vence(ahora, ahora),
        )
    )
    cuenta.ultimo_acceso_en = ahora
    limpiar_fallos(session, cuenta.usuario)
    session.execute(delete(m.SesionConsola).where(m.SesionConsola.expira_en < ahora))
    session.commit()
    return token


def sesion_de(
    session: Session, token: str | None, ahora: datetime | None = None
) -> SesionActiva | None:
    """The session of this cookie, if it is still active; each request pushes the idle deadline
    (``expira_en``) back to INACTIVIDAD from now (written at most once a minute)."""
    if not token or len(token) > 200:
        return None
    ahora = ahora or ahora_utc()
    fila = session.get(m.SesionConsola, _id_sesion(token))
    if fila is None or en_utc(fila.expira_en) <= ahora:
        return None
    cuenta = session.get(m.Promotor, fila.promotor_id)
    if cuenta is None or not cuenta.activo:
        return None
    nuevo = _vence(fila.creada_en, ahora)
    if nuevo - en_utc(fila.expira_en) > timedelta(minutes=1):
        fila.expira_en = nuevo
        session.commit()
    return SesionActiva(cuenta, fila.csrf)


def cerrar_sesion(session: Session, token: str | None) -> None:
    if token and len(token) <= 200:
        session.execute(delete(m.SesionConsola).where(m.SesionConsola.id == _id_sesion(token)))
        session.commit()


def csrf_valido(esperado: str | None, recibido: str | None) -> bool:
    if not esperado or not recibido:
        return False
    return hmac.compare_digest(esperado.encode(), recibido.encode())
