"""270 inquiry and 271 response (005010X279A1): typed models, builder and parsers."""

from clinicflow.x12.eligibility.build270 import build_270, inquiry_body
from clinicflow.x12.eligibility.inquiry import (
    Dependent,
    EligibilityInquiry,
    EligibilityInquiryDocument,
    Payer,
    Provider,
    Subscriber,
)
from clinicflow.x12.eligibility.parse270 import parse_270
from clinicflow.x12.eligibility.parse271 import parse_271
from clinicflow.x12.eligibility.response import (
    Benefit,
    EligibilityResponseDocument,
    InformationReceiver,
    InformationSource,
    Member,
    RelatedEntity,
)

__all__ = [
    "Benefit",
    "Dependent",
    "EligibilityInquiry",
    "EligibilityInquiryDocument",
    "EligibilityResponseDocument",
    "InformationReceiver",
    "InformationSource",
    "Member",
    "Payer",
    "Provider",
    "RelatedEntity",
    "Subscriber",
    "build_270",
    "inquiry_body",
    "parse_270",
    "parse_271",
]
