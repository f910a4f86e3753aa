"""Build typed models from segments, turning validation failures into positioned errors."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

from clinicflow.x12.errors import X12ParseError
from clinicflow.x12.segment import Segment

M = TypeVar("M", bound=pydantic.BaseModel)

_set = object.__setattr__
_FIELD_NAMES: dict[type[pydantic.BaseModel], frozenset[str]] = {}


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
        return model.__pydantic_validator__.validate_python(fields)  # type: ignore[no-any-return]
    except pydantic.ValidationError as err:
        raise located(err, where) from None


def trusted(model: type[M], /, **fields: Any) -> M:
    """``model`` holding ``fields`` as given, without running pydantic validation again.

    Only for models whose fields are plain ``str``/``Decimal``/``date``/``bool``/lists and
    typed submodels, built by element readers that already checked every value (codes
    against their allowed sets, numbers, dates): validating again cost most of a 271 parse.
    Every field must be passed. Tests revalidate the parsers' output to prove it is valid.
    """
    names = _FIELD_NAMES.get(model)
    if names is None:
        names = _FIELD_NAMES[model] = frozenset(model.model_fields)
    if fields.keys() != names:
        raise TypeError(f"{model.__name__} needs every field and no others")
    instance = model.__new__(model)
    _set(instance, "__dict__", fields)
    _set(instance, "__pydantic_fields_set__", set(fields))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance
