"""The county's spot-check sample: drawn from the case and its event, never at random, at the share set."""

from datetime import UTC, datetime

import pytest

from app.engine.functions import FunctionContext


def draw(key: str, share: float) -> bool:
    return FunctionContext(datetime(2026, 9, 28, tzinfo=UTC), None, sample_key=key).sampled(share, "county_spot_check")


def test_the_same_case_and_event_always_draw_the_same():
    assert [draw(f"case-{n}/7", 0.5) for n in range(50)] == [draw(f"case-{n}/7", 0.5) for n in range(50)]


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_the_sample_is_the_share_set(share):
    drawn = sum(draw(f"case-{n}/3", share) for n in range(2000)) / 2000
    assert abs(drawn - share) < 0.03


def test_outside_a_case_there_is_nothing_to_draw_from():
    with pytest.raises(ValueError):
        FunctionContext(datetime(2026, 9, 28, tzinfo=UTC), None).sampled(0.3)
