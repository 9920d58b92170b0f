"""JSON that is safe to write inside an HTML ``<script>`` element.

Escaping only ``</`` is not enough: a string holding ``<!--`` followed by ``<script`` puts the
HTML parser in its "script data double escaped" state, where the real ``</script>`` no longer
ends the element, and the page's script never runs (one project name broke /map for everyone).
So every ``<``, ``>`` and ``&`` is written as a JSON ``\\uXXXX`` escape — the parser then never
sees markup, and JavaScript reads the same string — and so are U+2028/U+2029, which older
JavaScript engines take as line ends inside a string literal.
"""
from __future__ import annotations

import json
from typing import Any

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
            "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TABLE = str.maketrans(_ESCAPES)


def script_json(value: Any) -> str:
    """``value`` as compact JSON with no character that HTML could read as markup."""
    # The escaped characters can only occur inside JSON strings, so escaping them is lossless.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_TABLE)
