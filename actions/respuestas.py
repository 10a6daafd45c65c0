"""Responses that actions send themselves (so no rule or story names them)."""

from bot.temas import TEMAS, respuesta_detalle

AVISO_INGLES = "utter_aviso_ingles"
MAS_SIN_TEMA = "utter_mas_sin_tema"
FUERA_DE_ALCANCE = "utter_fuera_de_alcance"
FALLBACK_REFORMULAR = "utter_fallback_reformular"
FALLBACK_PROMOTOR = "utter_fallback_promotor"
SERVICIO_NO_DISPONIBLE = "utter_servicio_no_disponible"

ENVIADAS_POR_ACCIONES = frozenset(
    {
        AVISO_INGLES,
        MAS_SIN_TEMA,
        FUERA_DE_ALCANCE,
        FALLBACK_REFORMULAR,
        FALLBACK_PROMOTOR,
        SERVICIO_NO_DISPONIBLE,
        *(respuesta_detalle(t) for t in TEMAS),
    }
)
