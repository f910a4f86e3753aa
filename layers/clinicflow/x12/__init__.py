"""X12 5010 toolkit: reader, writer and typed transactions (270/271, 999; more to come).

Wire format stays here: capabilities use the typed documents, never segments.
"""

from clinicflow.x12.errors import X12Error, X12Issue, X12Location, X12ParseError, X12WriteError
from clinicflow.x12.loops import Loop, LoopSpec, build_loops
from clinicflow.x12.reader import FunctionalGroup, Interchange, TransactionSet, X12File, read
from clinicflow.x12.registry import parse_file, parse_transaction
from clinicflow.x12.segment import Segment
from clinicflow.x12.separators import Separators
from clinicflow.x12.tokenizer import tokenize
from clinicflow.x12.writer import (
    Composite,
    Group,
    InterchangeHeader,
    InterchangeWriter,
    Repeat,
    SegmentFormatter,
    TransactionContent,
)

__all__ = [
    "Composite",
    "FunctionalGroup",
    "Group",
    "Interchange",
    "InterchangeHeader",
    "InterchangeWriter",
    "Loop",
    "LoopSpec",
    "Repeat",
    "Segment",
    "SegmentFormatter",
    "Separators",
    "TransactionContent",
    "TransactionSet",
    "X12Error",
    "X12File",
    "X12Issue",
    "X12Location",
    "X12ParseError",
    "X12WriteError",
    "build_loops",
    "parse_file",
    "parse_transaction",
    "read",
    "tokenize",
]
