"""Build typed models from segments, turning validation failures into positioned errors."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

from clinicflow.x12.errors import X12ParseError
from clinicflow.x12.segment import Segment

M = TypeVar("M", bound=pydantic.BaseModel)


def located(err: pydantic.ValidationError, where: Segment) -> X12ParseError:
    """A model validation error as a parse error at ``where`` (field path and rule, no values).

    pydantic's messages name the rule broken (pattern, length, allowed codes), never the input.
    """
    first = err.errors(include_input=False, include_url=False)[0]
    path = ".".join(str(p) for p in first["loc"]) or "(model)"
    return where.error(f"does not fit the typed model at {path}: {first['msg']}")


def make(model: type[M], where: Segment, **fields: Any) -> M:
    """``model(**fields)``; a validation failure is reported at segment ``where``."""
    try:
        return model(**fields)
    except pydantic.ValidationError as err:
        raise located(err, where) from None
