"""The consent tests' parties and helpers serve the route-wide security tests too."""

from tests.integration.consents.conftest import (  # noqa: F401
    active_consent,
    consent_action,
    consent_body,
    make_document,
    parties,
    request_consent,
)
