"""Which interval holds a hit: binary searches, not pairwise walks (a hostile message repeats a denial, a report or
a quotation thousands of times, and a check of every hit against every interval was quadratic)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import accumulate


def covering(intervals: Iterable[tuple[int, int]]) -> Callable[[int, int], bool]:
    """A test: does one of the [start, end) intervals contain [s, e)? Sorted starts and a running maximum of the
    ends: the intervals starting at or before s reach e if the farthest of them does."""
    ordered = sorted(intervals)
    if not ordered:
        return lambda s, e: False
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))

    def covered(s: int, e: int) -> bool:
        i = bisect_right(starts, s) - 1
        return i >= 0 and reach[i] >= e
    return covered


def container(ranges: list[tuple[int, int]]) -> Callable[[int, int], tuple[int, int] | None]:
    """For ranges that do not overlap, sorted by start (a regex's matches): the one that contains [s, e), or None."""
    starts = [s for s, _ in ranges]

    def find(s: int, e: int) -> tuple[int, int] | None:
        i = bisect_right(starts, s) - 1
        return ranges[i] if i >= 0 and e <= ranges[i][1] else None
    return find
