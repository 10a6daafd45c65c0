"""Make FastAPI 0.125 importable with the pinned pydantic 1.8.2.

FastAPI's OpenAPI models annotate fields as ``list["SchemaOrBool"]`` (PEP 585 builtin generics).
pydantic 1.8.2 does not turn the string inside a builtin generic into a ``ForwardRef`` and crashes
at import time ("error checking inheritance of 'SchemaOrBool'"); pydantic >= 1.9 does. This
shim wraps ``pydantic.fields.get_args`` so such strings become ``ForwardRef`` objects, which
pydantic then resolves with ``update_forward_refs`` like any other forward reference.
Remove it once pydantic can be upgraded (Rasa 3.6 pins it).
"""

from __future__ import annotations

import typing

import pydantic
import pydantic.fields as _fields

if pydantic.VERSION.startswith("1.8") and not getattr(_fields, "_orienta_patched", False):
    _orig_get_args = _fields.get_args

    def _get_args(tp):  # pragma: no cover - trivial
        args = _orig_get_args(tp)
        if any(isinstance(a, str) for a in args):
            args = tuple(typing.ForwardRef(a) if isinstance(a, str) else a for a in args)
        return args

    _fields.get_args = _get_args
    _fields._orienta_patched = True
