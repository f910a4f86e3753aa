"""Loop structure of 270 and 271 (005010X279A1)."""

from __future__ import annotations

from clinicflow.x12.loops import LoopSpec, spec

_NAME_270 = "REF N3 N4 PRV DMG INS HI DTP MPI"
_NAME_271 = "REF N3 N4 AAA PRV DMG INS HI DTP MPI"


def _inquiry_member(level: str, hl_code: str, *children: LoopSpec) -> LoopSpec:
    eq = spec(f"2110{level}", "EQ", "AMT III REF DTP")
    name = spec(f"2100{level}", "NM1", _NAME_270, eq)
    return spec(f"2000{level}", "HL", "TRN", name, *children, qualifier=(3, hl_code))


SPEC_270: LoopSpec = spec(
    "ST",
    "ST",
    "ST BHT",
    spec(
        "2000A",
        "HL",
        "",
        spec("2100A", "NM1"),
        spec(
            "2000B",
            "HL",
            "",
            spec("2100B", "NM1", "REF N3 N4 PRV"),
            _inquiry_member("C", "22", _inquiry_member("D", "23")),
            qualifier=(3, "21"),
        ),
        qualifier=(3, "20"),
    ),
    trailer="SE",
)


def _benefit_member(level: str, hl_code: str, *children: LoopSpec) -> LoopSpec:
    related = spec(f"2120{level}", "NM1", "N3 N4 PER PRV")
    info = spec(f"2115{level}", "III")
    eb = spec(f"2110{level}", "EB", "HSD REF DTP AAA MSG", info, related, trailer="LS LE")
    name = spec(f"2100{level}", "NM1", _NAME_271, eb)
    return spec(f"2000{level}", "HL", "TRN", name, *children, qualifier=(3, hl_code))


SPEC_271: LoopSpec = spec(
    "ST",
    "ST",
    "ST BHT",
    spec(
        "2000A",
        "HL",
        "AAA",
        spec("2100A", "NM1", "PER AAA"),
        spec(
            "2000B",
            "HL",
            "",
            spec("2100B", "NM1", "REF N3 N4 AAA PRV"),
            _benefit_member("C", "22", _benefit_member("D", "23")),
            qualifier=(3, "21"),
        ),
        qualifier=(3, "20"),
    ),
    trailer="SE",
)
