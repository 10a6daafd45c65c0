"""Issue 15: the case's transition table (pure; runs under both Pythons)."""

from __future__ import annotations

import pytest

from bot import caso

CAMINO = ["recibida", "en_proceso", "hecha_en_imss", "pagada", "clinica_asignada"]


def test_the_path_is_one_step_at_a_time():
    for origen, destino in zip(CAMINO, CAMINO[1:], strict=False):
        assert caso.transicion(origen, destino) is not None
        assert [t.destino for t in caso.permitidas(origen)][0] == destino
    for i, origen in enumerate(CAMINO):
        for salto in CAMINO[i + 2 :]:
            assert caso.transicion(origen, salto) is None, (origen, salto)
        for atras in CAMINO[:i]:
            assert caso.transicion(origen, atras) is None, (origen, atras)


@pytest.mark.parametrize("origen", CAMINO[:-1])
def test_any_open_case_closes_with_a_reason(origen):
    t = caso.transicion(origen, caso.CERRADA)
    assert t is not None and t.requeridos == ("motivo",)


@pytest.mark.parametrize("final", [caso.CERRADA, caso.ELIMINADO, caso.CLINICA_ASIGNADA])
def test_nothing_leaves_a_closed_or_erased_case(final):
    permitidas = caso.permitidas(final)
    assert all(t.destino != caso.EN_PROCESO for t in permitidas)
    if final != caso.CLINICA_ASIGNADA:
        assert permitidas == []


def test_erasure_is_not_a_move_and_imss_fields_are_required():
    assert all(caso.transicion(o, caso.ELIMINADO) is None for o in caso.ESTADOS)
    t = caso.transicion(caso.EN_PROCESO, caso.HECHA_EN_IMSS)
    assert set(t.requeridos) == {"nss", "linea_captura", "linea_monto", "linea_vence_en"}
    assert all(campo in caso.CAMPOS for campo in t.requeridos)


def test_the_person_never_reads_activo_nor_an_unrecorded_imss_status():
    for clave, estado in caso.ESTADOS.items():
        texto = f"{estado.etiqueta} {estado.siguiente_paso}".lower()
        assert "activo" not in texto and "estás inscrit" not in texto, clave
    for clave in (caso.PAGADA, caso.CLINICA_ASIGNADA, caso.HECHA_EN_IMSS):
        paso = caso.siguiente_paso(clave).lower()
        assert "según lo que registró la promotora con el imss" in paso
    assert "todavía no es una inscripción al imss" in caso.siguiente_paso(caso.RECIBIDA).lower()


def test_a_notice_names_the_state_and_fits_an_sms():
    for clave in caso.ESTADOS:
        texto = caso.texto_aviso("OR-7K2M9QX4TB", clave)
        assert "OR-7K2M9QX4TB" in texto and caso.etiqueta(clave) in texto
        assert len(texto) <= 320, (clave, len(texto))


def test_an_unknown_state_reads_as_received():
    assert caso.etiqueta("pendiente_de_pago") == caso.etiqueta(caso.RECIBIDA)
