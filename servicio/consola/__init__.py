"""Promoter console (``/consola``) for the Ventanillas de Salud: server-rendered pages on top of
the enrollment service's database."""
