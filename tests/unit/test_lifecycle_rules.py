"""lifecycle.py's date arithmetic and filters, against S3's documented examples."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from pytest_s3emu.lifecycle import days_after, next_midnight, selects


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # the AWS S3 User Guide's example: created 2014-01-15 10:30 UTC, a 3-day rule
        (_utc(2014, 1, 15, 10, 30), 3, _utc(2014, 1, 19)),
        (_utc(2014, 1, 15, 23, 59, 59), 1, _utc(2014, 1, 17)),
        (_utc(2014, 1, 15), 1, _utc(2014, 1, 17)),  # from a midnight, on to the next day's
        (_utc(2014, 1, 15, 0, 0, 1), 0, _utc(2014, 1, 16)),
        (_utc(2014, 12, 31, 12), 1, _utc(2015, 1, 2)),
    ],
)
def test_days_after_rounds_to_the_next_days_midnight(start: datetime, days: int, due: datetime) -> None:
    assert days_after(start, days) == due


def test_next_midnight_of_a_midnight_is_the_following_one() -> None:
    assert next_midnight(_utc(2030, 3, 1)) == _utc(2030, 3, 2)


@pytest.mark.parametrize(
    ("rule", "chosen"),
    [
        ({"Prefix": "logs/"}, True),  # the older rule-level prefix
        ({"Filter": {}}, True),
        ({"Filter": {"Prefix": "data/"}}, False),
        ({"Filter": {"Tag": {"Key": "t", "Value": "1"}}}, True),
        ({"Filter": {"Tag": {"Key": "t", "Value": "2"}}}, False),
        ({"Filter": {"ObjectSizeGreaterThan": 10}}, False),  # strictly greater
        ({"Filter": {"ObjectSizeLessThan": 11}}, True),
        (
            {
                "Filter": {
                    "And": {
                        "Prefix": "logs/",
                        "Tags": [{"Key": "t", "Value": "1"}, {"Key": "u", "Value": "2"}],
                    }
                }
            },
            False,
        ),
        (
            {"Filter": {"And": {"Prefix": "logs/", "ObjectSizeGreaterThan": 1, "ObjectSizeLessThan": 20}}},
            True,
        ),
    ],
)
def test_selects(rule: dict[str, Any], chosen: bool) -> None:
    assert selects(rule, "logs/a.txt", 10, {"t": "1"}) is chosen
