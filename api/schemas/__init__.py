"""API-only request and response shapes (shared contracts live in `domain.contracts`)."""

from typing import Annotated

from pydantic import AfterValidator

from domain.pii import mask_text

# Free text an officer or a complainant writes (notes, reasons, descriptions) is recorded in events:
# NIK-, phone- and passport-like numbers in it are masked on the way in (API.md: events never hold
# personal data in the clear).
FreeText = Annotated[str, AfterValidator(mask_text)]
