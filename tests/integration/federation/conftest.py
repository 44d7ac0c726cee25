"""The consent tests' parties (an admin and two banks among them) serve the federation tests."""

from tests.integration.consents.conftest import parties  # noqa: F401
