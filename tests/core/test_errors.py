"""Every failing outcome is raised as the exception that carries it, by both clients."""

from __future__ import annotations

from core.errors import ERROR_FOR, Outcome


def test_each_failing_outcome_has_the_error_that_carries_it() -> None:
    assert set(ERROR_FOR) == {outcome for outcome in Outcome if not outcome.succeeded}
    for outcome, error in ERROR_FOR.items():
        assert error("refused", service="bpjs").outcome is outcome
