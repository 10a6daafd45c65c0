"""What a console account may see: its consulate's registrations and cases; the whole country
only for admins.

A promoter sees a registration whose consulate is theirs or that they created themselves (the
person may live nearer another consulate), a case whose consulate is theirs or that they took.
Anything else answers the same 404 as a folio that does not exist. A promoter without a
consulate sees only what they created or took. Audit is for admins only (``rutas.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from servicio.inscripcion import modelos as m


@dataclass(frozen=True)
class Alcance:
    nacional: bool
    consulado: str | None
    promotor_id: int

    @classmethod
    def de(cls, promotor: m.Promotor) -> Alcance:
        return cls(promotor.rol == m.ROL_ADMIN, promotor.consulado or None, promotor.id)

    # ---------------------------------------------------------------- registrations
    def filtro_registros(self) -> ColumnElement[bool]:
        if self.nacional:
            return true()
        propios = m.Registro.creado_por == self.promotor_id
        if not self.consulado:
            return propios
        return or_(m.Registro.consulado == self.consulado, propios)

    def ve_registro(self, reg: m.Registro) -> bool:
        return (
            self.nacional
            or reg.creado_por == self.promotor_id
            or (self.consulado is not None and reg.consulado == self.consulado)
        )

    # ---------------------------------------------------------------- cases
    def filtro_canalizaciones(self) -> ColumnElement[bool]:
        if self.nacional:
            return true()
        tomadas = m.Canalizacion.tomada_por == self.promotor_id
        if not self.consulado:
            return or_(tomadas, false())
        return or_(m.Canalizacion.consulado == self.consulado, tomadas)

    def ve_canalizacion(self, fila: m.Canalizacion) -> bool:
        return (
            self.nacional
            or fila.tomada_por == self.promotor_id
            or (self.consulado is not None and fila.consulado == self.consulado)
        )
