"""Server-rendered SVG charts for the statistics page (no JavaScript, no chart library).

The console's CSP is ``default-src 'self'``, so there are no ``style`` attributes: colours, sizes
and fonts are SVG presentation attributes, and ``class`` names let consola.css refine them.
Every label comes from data (consulates, typed questions), so everything is escaped.
Each chart has ``role="img"``, a ``<title>`` and an ``aria-label`` that says what it shows in words,
and prints its values, so nobody has to read numbers off an axis or rely on colour alone.
Palette: Okabe–Ito, distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from bot.canales import etiqueta as etiqueta_canal
from servicio.consola.estadisticas import DiaCanal, FilaEmbudo

PALETA = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
TEXTO = "#1f2933"
TENUE = "#cbd2d9"
FUENTE = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
ANCHO = 720
MESES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


def _fecha(d: date) -> str:
    return f"{d.day} {MESES[d.month - 1]}"


def _corto(texto: str, maximo: int) -> str:
    texto = str(texto)
    return texto if len(texto) <= maximo else texto[: maximo - 1].rstrip() + "…"


def _svg(clase: str, alto: int, titulo: str, resumen: str, cuerpo: list[str]) -> Markup:
    partes = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="grafica {escape(clase)}" role="img" '
        f'viewBox="0 0 {ANCHO} {alto}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{escape(resumen)}" {FUENTE} font-size="13" fill="{TEXTO}">',
        f"<title>{escape(titulo)}</title>",
        *cuerpo,
        "</svg>",
    ]
    return Markup("".join(partes))


def _vacia(clase: str, titulo: str) -> Markup:
    mensaje = "Aún no hay datos en este periodo."
    x = ANCHO // 2
    return _svg(
        clase,
        80,
        titulo,
        f"{titulo}: {mensaje}",
        [f'<text x="{x}" y="45" text-anchor="middle" class="grafica-vacia">{mensaje}</text>'],
    )


def _leyenda(nombres: Sequence[str], colores: Sequence[str], y: int) -> list[str]:
    out, x = [], 0
    for nombre, color in zip(nombres, colores, strict=True):
        out.append(
            f'<g class="grafica-leyenda"><rect x="{x}" y="{y - 11}" width="12" height="12" '
            f'fill="{color}"/><text x="{x + 17}" y="{y}">{escape(nombre)}</text></g>'
        )
        x += 30 + 8 * len(nombre)
    return out


# ------------------------------------------------------------------ stacked bars per day
def barras_apiladas_por_dia(filas: Sequence[DiaCanal]) -> Markup:
    """Conversations per day, one bar per day stacked by channel, with the total on top."""
    titulo = "Conversaciones por día"
    if not filas or not any(f.total for f in filas):
        return _vacia("grafica-dias", titulo)
    canales = list(filas[0].por_canal)
    colores = {c: PALETA[i % len(PALETA)] for i, c in enumerate(canales)}
    nombres = [etiqueta_canal(c) for c in canales]
    total = sum(f.total for f in filas)
    pico = max(filas, key=lambda f: f.total)
    por_canal = ", ".join(
        f"{n} {sum(f.por_canal.get(c, 0) for f in filas)}"
        for c, n in zip(canales, nombres, strict=True)
    )
    resumen = (
        f"{titulo} del {_fecha(filas[0].dia)} al {_fecha(filas[-1].dia)}: {total} en total "
        f"({por_canal}). El día con más fue el {_fecha(pico.dia)}, con {pico.total}."
    )
    alto, arriba, abajo, izq = 260, 52, 28, 8
    area = alto - arriba - abajo
    paso = (ANCHO - izq) / len(filas)
    barra = max(paso * 0.75, 1.0)
    escala = area / pico.total
    # Totals on every bar fit up to a month; beyond that only on the busiest day.
    con_total = len(filas) <= 31
    cada = max(1, round(len(filas) / 10))  # about ten date labels
    cuerpo = _leyenda(nombres, [colores[c] for c in canales], 14)
    base = alto - abajo
    cuerpo.append(
        f'<line x1="{izq}" y1="{base}" x2="{ANCHO}" y2="{base}" stroke="{TENUE}" stroke-width="1"/>'
    )
    for i, f in enumerate(filas):
        x = izq + i * paso + (paso - barra) / 2
        y = float(base)
        detalle = ", ".join(
            f"{etiqueta_canal(c)} {f.por_canal[c]}" for c in canales if f.por_canal[c]
        )
        grupo = [
            f"<title>{escape(_fecha(f.dia))}: {f.total}"
            + (f" ({escape(detalle)})" if detalle else "")
            + "</title>"
        ]
        for c in canales:
            v = f.por_canal.get(c, 0)
            if not v:
                continue
            h = v * escala
            y -= h
            grupo.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{barra:.1f}" height="{h:.1f}" '
                f'fill="{colores[c]}" class="grafica-barra"/>'
            )
        if f.total and (con_total or f is pico):
            grupo.append(
                f'<text x="{x + barra / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="11" class="grafica-valor">{f.total}</text>'
            )
        if i % cada == 0:
            grupo.append(
                f'<text x="{x + barra / 2:.1f}" y="{alto - 8}" text-anchor="middle" '
                f'font-size="11" class="grafica-eje">{escape(_fecha(f.dia))}</text>'
            )
        cuerpo.append("<g>" + "".join(grupo) + "</g>")
    return _svg("grafica-dias", alto, titulo, resumen, cuerpo)


# ------------------------------------------------------------------ horizontal bars
def barras_horizontales(
    items: Sequence[tuple[str, int | float]], titulo: str = "Temas más consultados"
) -> Markup:
    """One bar per (label, value), largest first as given, value printed after the bar."""
    items = [(str(e), v) for e, v in items]
    if not items:
        return _vacia("grafica-horizontal", titulo)
    fila, arriba, etiqueta = 26, 8, 260
    alto = arriba + fila * len(items) + 8
    maximo = max(v for _, v in items) or 1
    disponible = ANCHO - etiqueta - 60
    resumen = f"{titulo}: " + "; ".join(f"{e}, {_num(v)}" for e, v in items) + "."
    cuerpo = []
    for i, (e, v) in enumerate(items):
        y = arriba + i * fila
        w = max(disponible * v / maximo, 1 if v else 0)
        cuerpo.append(
            f"<g><title>{escape(e)}: {escape(_num(v))}</title>"
            f'<text x="{etiqueta - 8}" y="{y + 17}" text-anchor="end" class="grafica-etiqueta">'
            f"{escape(_corto(e, 38))}</text>"
            f'<rect x="{etiqueta}" y="{y + 4}" width="{w:.1f}" height="18" fill="{PALETA[0]}" '
            f'class="grafica-barra"/>'
            f'<text x="{etiqueta + w + 6:.1f}" y="{y + 17}" class="grafica-valor">'
            f"{escape(_num(v))}</text></g>"
        )
    return _svg("grafica-horizontal", alto, titulo, resumen, cuerpo)


def _num(v: int | float) -> str:
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.1f}"
    return f"{int(v):,}".replace(",", " ")


# ------------------------------------------------------------------ funnel
ETAPAS = (("iniciados", "Iniciados"), ("enviados", "Enviados"), ("pagados", "Pagados"))


def embudo(filas: Sequence[FilaEmbudo]) -> Markup:
    """Per consulate, three bars: registrations started, submitted and paid, values printed."""
    titulo = "Registros por consulado: iniciados, enviados y pagados"
    if not filas:
        return _vacia("grafica-embudo", titulo)
    colores = PALETA[:3]
    fila, barra, arriba, etiqueta = 3 * 16 + 14, 14, 30, 220
    alto = arriba + fila * len(filas)
    maximo = max(max(f.iniciados, f.enviados, f.pagados) for f in filas) or 1
    disponible = ANCHO - etiqueta - 50
    resumen = (
        f"{titulo}. "
        + "; ".join(
            f"{f.consulado}: {f.iniciados} iniciados, {f.enviados} enviados, {f.pagados} pagados"
            for f in filas
        )
        + "."
    )
    cuerpo = _leyenda([n for _, n in ETAPAS], colores, 14)
    for i, f in enumerate(filas):
        y0 = arriba + i * fila
        grupo = [
            f"<title>{escape(f.consulado)}: {f.iniciados} iniciados, {f.enviados} enviados, "
            f"{f.pagados} pagados</title>",
            f'<text x="{etiqueta - 8}" y="{y0 + 28}" text-anchor="end" class="grafica-etiqueta">'
            f"{escape(_corto(f.consulado, 30))}</text>",
        ]
        for j, (campo, _) in enumerate(ETAPAS):
            v = getattr(f, campo)
            y = y0 + 4 + j * 16
            w = max(disponible * v / maximo, 1 if v else 0)
            grupo.append(
                f'<rect x="{etiqueta}" y="{y}" width="{w:.1f}" height="{barra}" '
                f'fill="{colores[j]}" class="grafica-barra"/>'
                f'<text x="{etiqueta + w + 6:.1f}" y="{y + 11}" font-size="11" '
                f'class="grafica-valor">{v}</text>'
            )
        cuerpo.append("<g>" + "".join(grupo) + "</g>")
    return _svg("grafica-embudo", alto, titulo, resumen, cuerpo)
