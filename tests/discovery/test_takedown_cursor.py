"""The takedown log's cursor: rows that commit out of seq order are applied once each, and a
hole (an insert rolled back) is given up on after its grace, never before."""

from __future__ import annotations

from mediamesh.discovery.takedown_cursor import LogCursor
from mediamesh.discovery.takedown_log import Takedown

GRACE = 60.0


def rows(*seqs: int) -> list[Takedown]:
    return [Takedown(seq, (f"id-{seq}",), 0.0) for seq in seqs]


def applied(cursor: LogCursor, seqs: tuple[int, ...], now: float) -> list[int]:
    return [row.seq for row in cursor.take(rows(*seqs), now)]


def test_each_row_is_applied_once_whatever_order_they_commit_in() -> None:
    cursor = LogCursor(GRACE)
    cursor.start_after(10)
    assert applied(cursor, (11, 13), now=0.0) == [11, 13]
    assert cursor.floor == 11  # 12 is not committed yet: it is read again next time
    assert applied(cursor, (12, 13, 14), now=1.0) == [12, 14]
    assert cursor.floor == 14
    assert applied(cursor, (12, 13, 14), now=2.0) == []


def test_a_hole_is_given_up_on_only_after_its_grace() -> None:
    cursor = LogCursor(GRACE)
    assert applied(cursor, (1, 3), now=100.0) == [1, 3]
    assert applied(cursor, (3,), now=100.0 + GRACE - 1) == []
    assert cursor.floor == 1
    assert applied(cursor, (3, 4), now=100.0 + GRACE) == [4]
    assert cursor.floor == 4


def test_start_after_skips_what_is_older() -> None:
    cursor = LogCursor(GRACE)
    cursor.start_after(50)
    assert applied(cursor, (49, 50, 51), now=0.0) == [51]
    assert cursor.floor == 51
