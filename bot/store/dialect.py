"""The few places where SQLite's and PostgreSQL's SQL differ, in one object per database.

Everything else in sql.py and review.py is written once and runs on both: `?` placeholders (the PostgreSQL
connection turns them into its own), INSERT ... ON CONFLICT ... RETURNING, CTEs, row-value comparisons.
JSON columns are TEXT on both (PostgreSQL's `json` type keeps the text as written, so a `\\u0000` escape in a
finding never fails a write), and times are epoch seconds in a double on both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    # SQLite's unary "+" keeps a column's index out of the planner's choice (sql.filter_sql explains why);
    # PostgreSQL has no such operator for text and plans by statistics instead.
    noindex: str
    like: str  # case-insensitive for ASCII, as `incidents list --search` promises
    not_same: str  # NULL-safe "differs"
    sorted_categories: str  # the JSON list of categories in {} as one sorted, comma-joined string
    history_append: str  # `history` with the row's current verdict appended, as UPDATE ... SET history = <this>
    utc_day: str  # the UTC calendar day of the epoch in {} as 'YYYY-MM-DD'
    nul: str = "\x00"  # what a NUL character in text is stored as (PostgreSQL text cannot hold NUL)

    def storable(self, value: str) -> str:
        return value.replace("\x00", self.nul) if self.nul != "\x00" and "\x00" in value else value


def _snapshot(as_json: str) -> str:
    """The key/value list of the verdict an edit replaces (what `history` keeps)."""
    j = lambda col: as_json.format("incidents." + col)  # noqa: E731
    return ("'at', incidents.updated_at, 'verdict', incidents.verdict, 'score', incidents.score, "
            f"'categories', {j('categories')}, 'text', incidents.text, 'text_hash', incidents.text_hash, "
            f"'actions', {j('actions')}, 'action_results', {j('action_results')}")


SQLITE = Dialect(
    name="sqlite",
    noindex="+",
    like="LIKE",
    not_same="IS NOT",
    sorted_categories="(SELECT group_concat(value, ',') FROM (SELECT value FROM json_each({}) ORDER BY value))",
    history_append="json_insert(incidents.history, '$[#]', json_object(" + _snapshot("json({})") + "))",
    utc_day="date({}, 'unixepoch')",
)

POSTGRES = Dialect(
    name="postgresql",
    noindex="",
    like="ILIKE",
    not_same="IS DISTINCT FROM",
    sorted_categories="(SELECT string_agg(value, ',' ORDER BY value) FROM json_array_elements_text(({})::json) AS value)",
    # history is always a JSON array we wrote ("[]" or "[{...},...]"): splice one object in before its "]".
    history_append="left(incidents.history, length(incidents.history) - 1) "
                   "|| CASE WHEN incidents.history = '[]' THEN '' ELSE ',' END "
                   "|| json_build_object(" + _snapshot("({})::json") + ")::text || ']'",
    utc_day="to_char(to_timestamp({}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    nul="\ufffd",
)
