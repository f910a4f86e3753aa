"""Make Powertools' "current request" per thread when handlers share one process.

Powertools keeps the event being resolved in class attributes of `BaseRouter`
(`current_event`, `lambda_context`): one per process. On Lambda a process handles one event
at a time, so that is sound there. The local stack runs every handler in one process on
concurrent threads, where two requests would read each other's event (and caller). This
turns both attributes into thread-local storage, for the local stack only.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

_NAMES = ("current_event", "lambda_context")
_state = threading.local()


class _PerThread:
    """A data descriptor keeping one value per thread."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        try:
            return getattr(_state, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        setattr(_state, self.name, value)


class _PerThreadMeta(ABCMeta):
    """BaseRouter's metaclass, so that `BaseRouter.current_event = ...` is per thread too."""

    current_event = _PerThread("current_event")
    lambda_context = _PerThread("lambda_context")


def make_powertools_thread_safe() -> None:
    """Install the per-thread attributes (idempotent)."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if type(BaseRouter) is _PerThreadMeta:
        return
    for name in _NAMES:
        if name in BaseRouter.__dict__:
            delattr(BaseRouter, name)
        setattr(BaseRouter, name, _PerThread(name))  # instance access: self.current_event
    BaseRouter.__class__ = _PerThreadMeta  # type: ignore[method-assign,assignment]  # class access
