"""Field types, the postal address and value formats shared by the 837P models and codecs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from clinicflow.x12.model import X12Model

Name60 = Annotated[str, StringConstraints(min_length=1, max_length=60)]
First35 = Annotated[str, StringConstraints(min_length=1, max_length=35)]
Middle25 = Annotated[str, StringConstraints(min_length=1, max_length=25)]
Suffix10 = Annotated[str, StringConstraints(min_length=1, max_length=10)]
Id80 = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Ref50 = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Npi = Annotated[str, StringConstraints(pattern=r"^\d{10}$")]
Taxonomy = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{10}$")]
PlaceOfService = Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
SignedMoney = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3)]
DiagnosisCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3,7}$")]
ProcedureCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{5}$")]
Modifier = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2}$")]
Code2 = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{2}$")]
Responsibility = Annotated[str, StringConstraints(pattern=r"^[A-HPSTU]$")]
Gender = Literal["F", "M", "U"]


class PostalAddress(X12Model):
    """N3/N4: street lines, city, state, ZIP (digits only, 5 or 9 for US addresses)."""

    line1: Annotated[str, StringConstraints(min_length=1, max_length=55)]
    line2: Annotated[str, StringConstraints(min_length=1, max_length=55)] | None = None
    city: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    state: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2}$")] | None = None
    postal_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{3,15}$")] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")] | None = Field(
        None, description="N404, only for addresses outside the US"
    )
