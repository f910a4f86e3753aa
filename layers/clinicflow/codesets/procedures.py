"""Procedure code sets: CPT (format only), HCPCS Level II, NCCI PTP edits and MUEs. Pure.

Parsers read CMS's published files as CMS ships them (the text members of the zip files):

- HCPCS Level II: the fixed-width "contractor" record (`HCPC<yyyy>_<MON>_ANWEB*.txt`, 320
  characters a record; positions in `HCPCS_LAYOUT`, from CMS's `HCPC<yyyy>_recordlayout.txt`).
  Record id 3 is a code's first line (with its details), 4 a continuation of its long
  description; 7/8 are modifiers.
- NCCI practitioner PTP edits (`ccipra-v<ver>-f<n>.txt`): tab-separated, a few header lines,
  then Column 1, Column 2, "*" (in existence before 1996), effective date, deletion date
  (YYYYMMDD, "*" for none), modifier indicator (0 not allowed, 1 allowed, 9 not applicable),
  rationale.
- MUE practitioner services (`MCR_MUE_PractitionerServices_Eff_<date>.csv`): copyright lines,
  then the header "HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication
  Indicator","MUE Rationale".

CPT descriptions are licensed by the AMA: CPT codes are checked for format only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

_CPT = re.compile(r"^(\d{5}|\d{4}[FTU])$")
_HCPCS_II = re.compile(r"^[A-CEGHJ-MP-V]\d{4}$")
_ANY_PROCEDURE = re.compile(r"^(\d{5}|\d{4}[FTU]|[A-Z]\d{4})$")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")


def is_cpt(code: str) -> bool:
    """True when `code` has a CPT format: 5 digits, or 4 digits + F (II), T (III), U (PLA)."""
    return bool(_CPT.match(code))


def is_hcpcs_level2(code: str) -> bool:
    """True when `code` has a HCPCS Level II format: a letter and 4 digits (no D, I, N, O)."""
    return bool(_HCPCS_II.match(code))


def is_procedure_code(code: str) -> bool:
    """True when `code` is shaped like a CPT or HCPCS Level II code."""
    return bool(_ANY_PROCEDURE.match(code))


def is_modifier(code: str) -> bool:
    """True when `code` is shaped like a CPT/HCPCS modifier (2 letters or digits)."""
    return bool(_MODIFIER.match(code))


def is_lab(code: str) -> bool:
    """Pathology and laboratory (CPT 80000-89999, and PLA codes 0001U-9999U): CLIA applies."""
    return (len(code) == 5 and code.isdigit() and "80000" <= code <= "89999") or (
        len(code) == 5 and code[:4].isdigit() and code[4] == "U"
    )


def is_evaluation_and_management(code: str) -> bool:
    """E/M services (CPT 99202-99499): the codes modifier 25 may be appended to."""
    return len(code) == 5 and code.isdigit() and "99202" <= code <= "99499"


@dataclass(frozen=True)
class HcpcsCode:
    """A HCPCS Level II code (or a modifier) with its dates."""

    code: str
    short_description: str
    long_description: str
    added: date | None = None
    terminated: date | None = None
    is_modifier: bool = False

    def active_on(self, day: date) -> bool:
        """True when the code may be billed for a service on `day`."""
        return (self.added is None or self.added <= day) and (
            self.terminated is None or day <= self.terminated
        )


@dataclass(frozen=True)
class PtpEdit:
    """An NCCI procedure-to-procedure edit: column 2 is not paid with column 1."""

    column1: str
    column2: str
    effective: date
    deleted: date | None
    modifier_indicator: str  # "0" never allowed, "1" allowed with a modifier, "9" n/a

    def active_on(self, day: date) -> bool:
        """True when the edit applies to a service on `day`."""
        return self.effective <= day and (self.deleted is None or day <= self.deleted)


@dataclass(frozen=True)
class MueLimit:
    """A medically unlikely edit: at most `units` of a code per line or per date of service."""

    code: str
    units: int
    adjudication_indicator: str  # "1" line edit, "2"/"3" date-of-service edits
    rationale: str

    @property
    def per_day(self) -> bool:
        """True when the limit applies to the sum of a date of service's lines (MAI 2, 3)."""
        return self.adjudication_indicator in {"2", "3"}


# HCPCS contractor record positions (1-based, inclusive) per CMS's record layout.
HCPCS_LAYOUT: dict[str, tuple[int, int]] = {
    "code": (1, 5),
    "sequence": (6, 10),
    "record_id": (11, 11),
    "long_description": (12, 91),
    "short_description": (92, 119),
    "added": (268, 275),
    "action_effective": (276, 283),
    "terminated": (284, 291),
    "action": (292, 292),
}


class CodeFileError(ValueError):
    """A code-set file is not in the format expected (the message names the line)."""


def _field(line: str, name: str) -> str:
    start, end = HCPCS_LAYOUT[name]
    return line[start - 1 : end].strip()


def _yyyymmdd(text: str) -> date | None:
    text = text.strip()
    if not text or text == "*" or not text.isdigit() or len(text) != 8:
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def parse_hcpcs(text: str) -> Iterator[HcpcsCode]:
    """HCPCS Level II codes and modifiers of a CMS contractor file (CPT lines skipped)."""
    current: dict[str, str] | None = None

    def emit(record: dict[str, str]) -> HcpcsCode:
        return HcpcsCode(
            code=record["code"],
            short_description=record["short"],
            long_description=record["long"].strip(),
            added=_yyyymmdd(record["added"]),
            terminated=_yyyymmdd(record["terminated"]),
            is_modifier=record["modifier"] == "1",
        )

    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        record_id = _field(raw, "record_id")
        if record_id not in {"3", "4", "7", "8"}:
            raise CodeFileError(f"line {number}: record id must be 3, 4, 7 or 8")
        code = _field(raw, "code")
        if record_id in {"3", "7"}:
            if current is not None:
                yield emit(current)
            current = {
                "code": code,
                "long": _field(raw, "long_description"),
                "short": _field(raw, "short_description"),
                "added": _field(raw, "added"),
                "terminated": _field(raw, "terminated"),
                "modifier": "1" if record_id == "7" else "0",
            }
        elif current is None or current["code"] != code:
            raise CodeFileError(f"line {number}: continuation without its first line")
        else:
            current["long"] += " " + _field(raw, "long_description")
    if current is not None:
        yield emit(current)


def level2_only(codes: Iterator[HcpcsCode]) -> Iterator[HcpcsCode]:
    """HCPCS Level II codes and all modifiers (CPT codes are the AMA's: never stored)."""
    for code in codes:
        if code.is_modifier or is_hcpcs_level2(code.code):
            yield code


def parse_ptp(text: str) -> Iterator[PtpEdit]:
    """NCCI PTP edits of a CMS tab-separated file; header and notice lines are skipped."""
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < 6 or not is_procedure_code(cells[0]):
            continue  # title, copyright or column header lines
        if not is_procedure_code(cells[1]):
            raise CodeFileError(f"line {number}: column 2 is not a procedure code")
        effective = _yyyymmdd(cells[3])
        if effective is None:
            raise CodeFileError(f"line {number}: effective date must be YYYYMMDD")
        if cells[4] not in {"*", ""} and _yyyymmdd(cells[4]) is None:
            raise CodeFileError(f"line {number}: deletion date must be YYYYMMDD or *")
        if cells[5] not in {"0", "1", "9"}:
            raise CodeFileError(f"line {number}: modifier indicator must be 0, 1 or 9")
        yield PtpEdit(cells[0], cells[1], effective, _yyyymmdd(cells[4]), cells[5])


def parse_mue(text: str) -> Iterator[MueLimit]:
    """MUE limits of a CMS practitioner services CSV; notice and header rows are skipped."""
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if len(cells) < 3 or not is_procedure_code(cells[0]):
            continue
        if not cells[1].isdigit():
            raise CodeFileError(f"line {number}: MUE value must be a whole number")
        indicator = cells[2][:1]
        if indicator not in {"1", "2", "3"}:
            raise CodeFileError(f"line {number}: adjudication indicator must start with 1-3")
        rationale = cells[3] if len(cells) > 3 else ""
        yield MueLimit(cells[0], int(cells[1]), indicator, rationale)
