"""Validate generated X12 with pyx12 4.0's bundled maps (837 X222A1, 835 X221A1, 277 X214)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any


def pyx12_errors(text: str, map_path: str | None = None) -> list[str]:
    """Every error pyx12 reports for ``text`` (empty list = valid)."""
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    param = pyx12.params.params()
    if map_path:
        param.set("map_path", map_path)
    report = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        param, io.StringIO(text), io.StringIO(), None, None, report, map_path=map_path
    )
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "err_str" in node:
                found.append(str(node["err_str"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(report.getvalue()))
    if not valid and not found:
        found.append("pyx12 reported the file invalid")
    return found
