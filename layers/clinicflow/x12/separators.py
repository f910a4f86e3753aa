"""The four X12 delimiters, read from an ISA header or chosen for writing."""

from __future__ import annotations

from dataclasses import dataclass

from clinicflow.x12.errors import X12WriteError


@dataclass(frozen=True, slots=True)
class Separators:
    """Element, component, repetition and segment delimiters.

    ``repetition`` is ``None`` when the interchange has none (ISA11 is a code, as in 4010).
    """

    element: str = "*"
    component: str = ":"
    repetition: str | None = "^"
    segment: str = "~"

    def all(self) -> tuple[str, ...]:
        """Every delimiter in use."""
        seps = (self.element, self.component, self.segment)
        return (*seps, self.repetition) if self.repetition else seps

    def check_for_writing(self) -> None:
        """Refuse delimiters a receiver could not tell apart from data or from each other."""
        seps = self.all()
        for sep in seps:
            if len(sep) != 1:
                raise X12WriteError("each separator must be exactly one character")
            if sep.isalnum() or sep == " ":
                raise X12WriteError("separators must not be letters, digits or space")
        if len(set(seps)) != len(seps):
            raise X12WriteError("separators must all be different")
