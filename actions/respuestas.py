"""Responses that actions send themselves (so no rule or story names them).

The shared ones are here; each flow module lists its own in a module-level `ENVIADAS`, and
`enviadas_por_acciones()` gathers them all (scripts/validate.py allows exactly those as unused).
"""

AVISO_INGLES = "utter_aviso_ingles"
MAS_SIN_TEMA = "utter_mas_sin_tema"
OTRA_PREGUNTA = "utter_otra_pregunta"
FUERA_DE_ALCANCE = "utter_fuera_de_alcance"
FALLBACK_REFORMULAR = "utter_fallback_reformular"
FALLBACK_PROMOTOR = "utter_fallback_promotor"
SERVICIO_NO_DISPONIBLE = "utter_servicio_no_disponible"
# Forms (actions/formularios.py)
PROMOTOR_EN_FORMULARIO = "utter_promotor_en_formulario"
CORREGIR_CUAL = "utter_corregir_cual"
CORREGIR_CAMPO = "utter_corregir_campo"
OTRO_TRAMITE_EN_FORMULARIO = "utter_otro_tramite_en_formulario"
PREGUNTA_NO_ENTENDIDA = "utter_pregunta_en_formulario"
FORMULARIO_CANCELADO = "utter_formulario_cancelado"
FORMULARIO_PAUSADO = "utter_formulario_pausado"
FORMULARIO_DEJADO = "utter_formulario_dejado"
FORMULARIO_REINICIADO = "utter_formulario_reiniciado"
SERVICIO_CAIDO_REINTENTAR = "utter_servicio_caido_reintentar"
ENVIADAS_POR_ACCIONES = frozenset(
    {
        AVISO_INGLES,
        MAS_SIN_TEMA,
        OTRA_PREGUNTA,
        FUERA_DE_ALCANCE,
        FALLBACK_REFORMULAR,
        FALLBACK_PROMOTOR,
        SERVICIO_NO_DISPONIBLE,
        PROMOTOR_EN_FORMULARIO,
        CORREGIR_CUAL,
        CORREGIR_CAMPO,
        OTRO_TRAMITE_EN_FORMULARIO,
        PREGUNTA_NO_ENTENDIDA,
        FORMULARIO_CANCELADO,
        FORMULARIO_PAUSADO,
        FORMULARIO_DEJADO,
        FORMULARIO_REINICIADO,
        SERVICIO_CAIDO_REINTENTAR,
    }
)


def enviadas_por_acciones() -> frozenset[str]:
    """Every response some action sends: the shared ones plus each action module's `ENVIADAS`."""
    import importlib
    import pkgutil

    import actions

    enviadas = set(ENVIADAS_POR_ACCIONES)
    for modulo in pkgutil.iter_modules(actions.__path__):
        enviadas |= getattr(importlib.import_module(f"actions.{modulo.name}"), "ENVIADAS", set())
    return frozenset(enviadas)
