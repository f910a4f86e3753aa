"""Loop structure of the 837P (005010X222A1): every TR3 loop, so any conforming file reads."""

from __future__ import annotations

from clinicflow.x12.loops import LoopSpec, spec


def _name(loop_id: str, codes: str, segments: str = "REF") -> LoopSpec:
    return spec(loop_id, "NM1", segments, qualifier=(1, codes))


_OTHER_SUBSCRIBER = spec(
    "2320",
    "SBR",
    "CAS AMT OI MOA",
    _name("2330A", "IL", "N3 N4 REF"),
    _name("2330B", "PR", "N3 N4 DTP REF"),
    _name("2330C", "DN P3"),
    _name("2330D", "82"),
    _name("2330E", "77"),
    _name("2330F", "DQ"),
    _name("2330G", "85"),
)

_LINE = spec(
    "2400",
    "LX",
    "SV1 SV5 PWK CR1 CR3 CRC DTP QTY MEA CN1 REF AMT K3 NTE PS1 HCP",
    spec("2410", "LIN", "CTP REF"),
    _name("2420A", "82", "PRV REF"),
    _name("2420B", "QB"),
    _name("2420C", "77", "N3 N4 REF"),
    _name("2420D", "DQ"),
    _name("2420E", "DK", "N3 N4 REF PER"),
    _name("2420F", "DN P3"),
    _name("2420G", "PW", "N3 N4"),
    _name("2420H", "45", "N3 N4"),
    spec("2430", "SVD", "CAS DTP AMT"),
    spec("2440", "LQ", "FRM"),
)

_CLAIM = spec(
    "2300",
    "CLM",
    "DTP PWK CN1 AMT REF K3 NTE CR1 CR2 CRC HI HCP",
    _name("2310A", "DN P3"),
    _name("2310B", "82", "PRV REF"),
    _name("2310C", "77", "N3 N4 REF PER"),
    _name("2310D", "DQ"),
    _name("2310E", "PW", "N3 N4"),
    _name("2310F", "45", "N3 N4"),
    _OTHER_SUBSCRIBER,
    _LINE,
)

_PATIENT = spec(
    "2000C", "HL", "PAT", _name("2010CA", "QC", "N3 N4 DMG REF PER"), _CLAIM, qualifier=(3, "23")
)

_SUBSCRIBER = spec(
    "2000B",
    "HL",
    "SBR PAT",
    _name("2010BA", "IL", "N3 N4 DMG REF PER"),
    _name("2010BB", "PR", "N3 N4 REF"),
    _CLAIM,
    _PATIENT,
    qualifier=(3, "22"),
)

SPEC_837P: LoopSpec = spec(
    "ST",
    "ST",
    "ST BHT",
    _name("1000A", "41", "PER"),
    _name("1000B", "40", ""),
    spec(
        "2000A",
        "HL",
        "PRV CUR",
        _name("2010AA", "85", "N3 N4 REF PER"),
        _name("2010AB", "87", "N3 N4"),
        _name("2010AC", "PE", "N3 N4 REF"),
        _SUBSCRIBER,
        qualifier=(3, "20"),
    ),
    trailer="SE",
)
