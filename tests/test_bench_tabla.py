"""The bench's NLU table has one pair of rows per batch of real questions, so a new batch is
scored apart without editing the bench."""

from scripts import bench


def test_una_pareja_de_filas_por_lote(monkeypatch):
    monkeypatch.setattr(bench, "lotes_reales", lambda: [1, 2, 3])
    claves = [clave for clave, _, _ in bench.filas()]
    for lote in (1, 2, 3):
        assert f"reales_lote{lote}_en_alcance" in claves
        assert f"reales_lote{lote}_fuera_rechazadas" in claves
    assert claves[:2] == ["reales_en_alcance", "reales_fuera_rechazadas"]


def test_los_lotes_salen_del_archivo_de_preguntas_reales():
    assert bench.lotes_reales()[0] == 1
    assert len(bench.lotes_reales()) >= 2


def test_la_tabla_imprime_cada_pipeline_medido(capsys, monkeypatch):
    monkeypatch.setattr(bench, "lotes_reales", lambda: [1])
    fila = {clave: 0.5 for clave, _, _ in bench.filas()}
    fila.update(
        reales_n_en_alcance=10,
        reales_n_sin_entrada=0,
        reales_n_fuera=5,
        reales_lote1_n_en_alcance=10,
        reales_lote1_n_fuera=5,
        entrenamiento_nlu_s=9,
    )
    bench.print_nlu({"orienta": fila, "rasa_default": fila})
    salida = capsys.readouterr().out
    assert "rasa_default" in salida and "lote 1: 10 en alcance, 5 fuera" in salida


def test_un_lote_sin_preguntas_fuera_de_alcance_no_dice_cero_por_ciento():
    """A batch with no out-of-scope question has no share refused: "–", not a failing 0.0 %."""
    columna = {"reales_lote5_fuera_rechazadas": None, "reales_lote5_n_fuera": 0}
    assert bench.celda(columna, "reales_lote5_fuera_rechazadas", "{:.1%}") == "–"
    columna.update(reales_lote5_fuera_rechazadas=0.0, reales_lote5_n_fuera=4)
    assert bench.celda(columna, "reales_lote5_fuera_rechazadas", "{:.1%}") == "0.0%"
    assert bench.celda({"exactitud": 0.98}, "exactitud", "{:.1%}") == "98.0%"


def test_una_parte_de_ninguna_pregunta_no_es_cero():
    from scripts import nlu_eval

    puntos = nlu_eval.reales_score([])
    assert puntos["fuera_rechazadas"] is None and puntos["n_fuera"] == 0
