"""Masking: identifiers keep four characters, configured secrets never reach a log line."""

from __future__ import annotations

import io
import logging

import pytest

from core.logging import SecretFilter
from core.masking import mask


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0000000000000123", "************0123"), ("12", "**"), (None, ""), (1234567, "***4567")],
)
def test_mask_keeps_last_four(value: object, shown: str) -> None:
    assert mask(value) == shown


def _capture(secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter(secrets))
    logger = logging.getLogger(f"test-secrets-{id(stream)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_secrets_are_scrubbed_from_messages_and_tracebacks() -> None:
    logger, stream = _capture(["consumer-secret-1", "pw"])
    logger.info("calling with %s and %s", "consumer-secret-1", "pw")
    try:
        raise ValueError("leaked consumer-secret-1 in an exception")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    assert "consumer-secret-1" not in text
    assert text.count("**********") >= 2
    assert "ValueError" in text
    assert "and pw" in text  # secrets shorter than 4 characters are not scrubbed (too common)
