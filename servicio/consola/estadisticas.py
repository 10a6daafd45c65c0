"""Statistics for the console: conversations per day, top topics, unanswered questions, funnel.

Windows are at most 90 days, so each query fetches the few columns it needs for the window and
aggregates in Python: grouping by a Mexico City calendar day is then identical on SQLite and
PostgreSQL (no dialect-specific date functions or time-zone handling in SQL).
Days are Mexico City days at a fixed UTC-6 (``service.MX_TZ``), like the payment deadlines.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot import canales, temas
from bot.texto import sin_acentos
from bot.tiempo import ZONA_MX, ahora_utc, dia_en_mexico, en_utc
from servicio.inscripcion import modelos as m

MAX_DIAS = 90
MAX_PREGUNTAS = 50
SIN_CONSULADO = "Sin consulado"

# Labels for the flow intents; small talk (saludo, afirmar, negar, …) and nlu_fallback are not
# topics, so they are simply absent from this table.
ETIQUETAS_FLUJOS: dict[str, str] = {
    "inscribirme": "Quiere inscribirse",
    "cotizar": "Cotizar su cuota",
    "consultar_registro": "Consultar su registro",
    "borrar_datos": "Borrar sus datos",
    "ventanilla_cercana": "Ventanilla más cercana",
    "pedir_humano": "Hablar con un promotor",
}
ETIQUETAS: dict[str, str] = {
    **{f"{temas.INTENT}/{i}": titulo for i, titulo in temas.titulos().items()},
    **ETIQUETAS_FLUJOS,
}


@dataclass(frozen=True)
class DiaCanal:
    """Distinct conversations on one Mexico City day, by channel (all channels of the window,
    zeros included, so every day has the same keys)."""

    dia: date
    por_canal: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.por_canal.values())


@dataclass(frozen=True)
class Tema:
    intent: str
    etiqueta: str
    veces: int


@dataclass(frozen=True)
class PreguntaSinRespuesta:
    texto: str
    veces: int
    ultima_vez: datetime  # Mexico City time


@dataclass(frozen=True)
class Fallback:
    total_mensajes: int
    no_respondidas: int
    tasa: float  # 0..1
    preguntas: list[PreguntaSinRespuesta] = field(default_factory=list)


@dataclass(frozen=True)
class FilaEmbudo:
    consulado: str
    iniciados: int
    enviados: int
    pagados: int


@dataclass(frozen=True)
class Resumen:
    desde: date
    hasta: date
    por_dia: list[DiaCanal]
    temas: list[Tema]
    fallback: Fallback
    embudo: list[FilaEmbudo]
    #: False for a promoter: only their consulate's funnel. Conversations, topics and the
    #: unanswered questions carry no consulate, so they are national, for admins only.
    nacional: bool = True

    @property
    def conversaciones(self) -> int:
        return sum(d.total for d in self.por_dia)


# ------------------------------------------------------------------ helpers
def hoy_mx(ahora: datetime | None = None) -> date:
    return dia_en_mexico(ahora or ahora_utc())


def inicio_del_dia(dia: date) -> datetime:
    """Start of a Mexico City day, in UTC (stored datetimes are UTC; SQLite drops offsets)."""
    return datetime.combine(dia, time(0), ZONA_MX).astimezone(timezone.utc)


def dia_mx(dt: datetime) -> date:
    return dia_en_mexico(dt)


def clave_texto(texto: str) -> str:
    """Grouping key: case, accents, punctuation and spacing do not make a different question."""
    t = re.sub(r"[^\w\[\]]+", " ", sin_acentos(texto.casefold()))
    return " ".join(t.split())


# ------------------------------------------------------------------ queries
def conversaciones_por_dia(
    session: Session, desde: date, hasta: date, *, incluir_consola: bool = False
) -> list[DiaCanal]:
    """Distinct conversations per day and channel, every day of [desde, hasta] included.

    The console's own test questions are left out unless ``incluir_consola``: they are
    promoters, not people asking.
    """
    if hasta < desde:
        desde, hasta = hasta, desde
    desde = max(desde, hasta - timedelta(days=MAX_DIAS - 1))
    M = m.MetricaMensaje
    q = select(M.en, M.canal, M.conversacion).where(
        M.en >= inicio_del_dia(desde), M.en < inicio_del_dia(hasta + timedelta(days=1))
    )
    if not incluir_consola:
        q = q.where(M.canal != canales.CONSOLA)
    vistos: dict[tuple[date, str], set[str]] = defaultdict(set)
    for en, canal, conv in session.execute(q):
        vistos[(dia_mx(en), canales.canonico(canal))].add(conv)
    orden = list(canales.CANALES)
    presentes = sorted(
        {c for _, c in vistos}, key=lambda c: (orden.index(c) if c in orden else 99, c)
    )
    dias = []
    dia = desde
    while dia <= hasta:
        dias.append(DiaCanal(dia, {c: len(vistos.get((dia, c), ())) for c in presentes}))
        dia += timedelta(days=1)
    return dias


def temas_principales(session: Session, desde: date, limite: int = 10) -> list[Tema]:
    """Top topics since ``desde``; answered messages only (a fallback's intent is a guess)."""
    M = m.MetricaMensaje
    veces = func.count(M.id).label("veces")
    q = (
        select(M.intent, veces)
        .where(
            M.en >= inicio_del_dia(desde),
            M.canal != canales.CONSOLA,
            M.fallback.is_(False),
            M.intent.in_(list(ETIQUETAS)),
        )
        .group_by(M.intent)
        .order_by(veces.desc(), M.intent)
        .limit(limite)
    )
    return [Tema(intent, ETIQUETAS[intent], n) for intent, n in session.execute(q) if intent]


def fallback(session: Session, desde: date) -> Fallback:
    """Share of messages the assistant could not answer, and what people asked."""
    M = m.MetricaMensaje
    base = (M.en >= inicio_del_dia(desde), M.canal != canales.CONSOLA)
    total, no_respondidas = session.execute(
        select(
            func.count(M.id), func.coalesce(func.sum(case((M.fallback.is_(True), 1), else_=0)), 0)
        ).where(*base)
    ).one()
    # Newest first so each group shows its latest wording; capped, the window is ≤ 90 days.
    filas = session.execute(
        select(M.texto, M.en)
        .where(*base, M.fallback.is_(True), M.texto.is_not(None))
        .order_by(M.en.desc())
        .limit(20_000)
    )
    grupos: dict[str, list] = {}
    for texto, en in filas:
        clave = clave_texto(texto or "")
        if not clave:
            continue
        g = grupos.get(clave)
        if g is None:
            grupos[clave] = [texto, 1, en_utc(en).astimezone(ZONA_MX)]
        else:
            g[1] += 1
    preguntas = sorted(grupos.values(), key=lambda g: (-g[1], -g[2].timestamp()))
    return Fallback(
        total_mensajes=total,
        no_respondidas=no_respondidas,
        tasa=(no_respondidas / total) if total else 0.0,
        preguntas=[PreguntaSinRespuesta(t, n, u) for t, n, u in preguntas[:MAX_PREGUNTAS]],
    )


def embudo_por_consulado(session: Session, desde: date) -> list[FilaEmbudo]:
    """Registration funnel per consulate since ``desde``.

    * iniciados: conversations that opened the registration form, plus registrations a promoter
      started in the console (those never go through the assistant);
    * enviados: registrations created (any origin, erased ones included: they were submitted);
    * pagados: those of them that were paid (``activado_en`` survives an erasure, so a payment
      made before an ARCO cancellation still counts).

    A conversation without a consulate slot takes its registration's consulate via the folio.
    """
    inicio = inicio_del_dia(desde)
    E, R = m.EmbudoConversacion, m.Registro
    iniciados: Counter[str] = Counter()
    enviados: Counter[str] = Counter()
    pagados: Counter[str] = Counter()
    q = (
        select(E.consulado, R.consulado)
        .select_from(E)
        .outerjoin(R, R.folio == E.folio)
        .where(E.iniciado_en >= inicio)
    )
    for consulado_conv, consulado_reg in session.execute(q):
        iniciados[consulado_conv or consulado_reg or SIN_CONSULADO] += 1
    registros = select(R.consulado, R.origen, R.estado, R.activado_en).where(R.creado_en >= inicio)
    for consulado, origen, estado, activado_en in session.execute(registros):
        clave = consulado or SIN_CONSULADO
        enviados[clave] += 1
        if estado in m.ESTADOS_PAGADOS or activado_en is not None:
            pagados[clave] += 1
        if origen == m.ORIGEN_CONSOLA:
            iniciados[clave] += 1
    filas = [
        FilaEmbudo(c, iniciados[c], enviados[c], pagados[c]) for c in set(iniciados) | set(enviados)
    ]
    filas.sort(key=lambda f: (-f.iniciados, -f.enviados, f.consulado == SIN_CONSULADO, f.consulado))
    return filas


def resumen(
    session: Session, dias: int = 30, *, hoy: date | None = None, consulado: str | None = None
) -> Resumen:
    """Everything the statistics page shows, for the last ``dias`` days (1–90) including today.

    ``consulado`` given (a promoter; "" for one without a consulate): only that consulate's
    funnel row, nothing national."""
    dias = min(max(int(dias), 1), MAX_DIAS)
    hasta = hoy or hoy_mx()
    desde = hasta - timedelta(days=dias - 1)
    if consulado is not None:
        return Resumen(
            desde=desde,
            hasta=hasta,
            por_dia=[],
            temas=[],
            fallback=Fallback(0, 0, 0.0),
            embudo=[f for f in embudo_por_consulado(session, desde) if f.consulado == consulado],
            nacional=False,
        )
    return Resumen(
        desde=desde,
        hasta=hasta,
        por_dia=conversaciones_por_dia(session, desde, hasta),
        temas=temas_principales(session, desde),
        fallback=fallback(session, desde),
        embudo=embudo_por_consulado(session, desde),
    )
