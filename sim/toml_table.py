"""Typed reading of one parsed TOML table, logging problems as it goes.

A :class:`TomlTable` wraps a table from :func:`tomllib.loads` with the keys
it allows. Its getters check type and range and return None after logging
a problem to a :class:`~sim.errors.ProblemLog`, rather than raising, so
that one pass over a file finds every problem, each with its key path.
:mod:`sim.price_sheet` builds price sheets with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TypeGuard

from sim.errors import ProblemLog, suggest


class TomlTable:
    """One TOML table being read, with typed getters that log problems.

    Getters return None (after logging) for a missing required key or a
    value of the wrong type or range, so that one pass finds every problem.
    Unknown keys are logged when the table is opened.
    """

    def __init__(
        self,
        log: ProblemLog,
        data: Mapping[str, object],
        path: str,
        keys: Sequence[str] | None,
    ) -> None:
        self.log = log
        self.data = data
        self.path = path
        if keys is None:
            return
        allowed = ", ".join(keys)
        for key in data:
            if key not in keys:
                self.problem(
                    key,
                    f"unknown key '{key}'; expected one of: {allowed}"
                    f"{suggest(key, keys)}",
                )

    def problem(self, key: str, message: str) -> None:
        """Log a problem at ``key`` of this table."""
        self.log.add(self._at(key), message)

    def text(self, key: str, required: bool = True) -> str | None:
        """A string; when required it must not be empty."""
        value = self._get(key, required, "a non-empty string")
        if isinstance(value, str) and (value or not required):
            return value
        if value is not None:
            self._wrong(key, value, "a non-empty string")
        return None

    def choice(self, key: str, allowed: Sequence[str]) -> str | None:
        """A required string out of ``allowed``."""
        value = self.text(key)
        if value is None or value in allowed:
            return value
        self._wrong(key, value, f"one of: {', '.join(allowed)}")
        return None

    def texts(self, key: str, required: bool = False) -> list[str] | None:
        """A list of non-empty strings; ``[]`` when optional and missing."""
        expected = "a list of non-empty strings"
        value = self._get(key, required, expected)
        if value is None:
            return None if required else []
        if not isinstance(value, list):
            self._wrong(key, value, expected)
            return None
        if required and not value:
            self._wrong(key, value, "a list of at least one string")
            return None
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item:
                items.append(item)
            else:
                self._wrong(f"{key}[{index}]", item, "a non-empty string")
        return items if len(items) == len(value) else None

    def day(self, key: str, required: bool = True) -> date | None:
        """A TOML local date (not a date-time, not a quoted string)."""
        expected = "a date YYYY-MM-DD"
        value = self._get(key, required, expected)
        if value is None or is_day(value):
            return value if isinstance(value, date) else None
        if isinstance(value, str) and _parses_as_date(value):
            expected += " written without quotes"
        self._wrong(key, value, expected)
        return None

    def number(self, key: str, required: bool = True) -> float | None:
        """A finite number >= 0 (an integer is accepted)."""
        expected = "a number >= 0"
        value = self._get(key, required, expected)
        if value is None:
            return None
        if not _is_real(value) or not math.isfinite(value) or value < 0:
            self._wrong(key, value, expected)
            return None
        return float(value)

    def multiplier(self, key: str) -> float | None:
        """A required number > 0."""
        value = self.number(key)
        if value == 0:
            self._wrong(key, value, "a number > 0")
            return None
        return value

    def whole(self, key: str, required: bool = True, minimum: int = 1) -> int | None:
        """An integer >= ``minimum``."""
        expected = f"a whole number >= {minimum}"
        value = self._get(key, required, expected)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._wrong(key, value, expected)
            return None
        return value

    def table(
        self, key: str, keys: Sequence[str] | None, required: bool = False
    ) -> TomlTable | None:
        """A sub-table, checked against ``keys`` (None: any key)."""
        value = self._get(key, required, "a table")
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong(key, value, "a table")
            return None
        return TomlTable(self.log, value, self._at(key), keys)

    def tables(
        self, key: str, keys: Sequence[str], required: bool = False
    ) -> list[TomlTable]:
        """An array of tables (``[[key]]``); ``[]`` when missing."""
        header = re.sub(r"\[\d+\]", "", self._at(key))
        expected = f"an array of tables [[{header}]] with at least one entry"
        value = self._get(key, required, expected)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self._wrong(key, value, expected)
            return []
        if required and not value:
            self._wrong(key, value, expected)
        return [
            TomlTable(self.log, item, self._at(f"{key}[{i}]"), keys)
            for i, item in enumerate(value)
        ]

    def named_tables(self, key: str, keys: Sequence[str]) -> dict[str, TomlTable]:
        """A table of sub-tables by name (``[key.<name>]``); ``{}`` if missing."""
        outer = self.table(key, None)
        if outer is None:
            return {}
        found = {name: outer.table(name, keys, required=True) for name in outer.data}
        return {name: table for name, table in found.items() if table is not None}

    def number_map(self, key: str) -> dict[str, float]:
        """An inline table of names to numbers >= 0; ``{}`` if missing."""
        outer = self.table(key, None)
        found = {name: outer.number(name) for name in outer.data} if outer else {}
        return {name: value for name, value in found.items() if value is not None}

    def whole_map(self, key: str) -> dict[str, int]:
        """An inline table of names to whole numbers >= 1; ``{}`` if missing."""
        outer = self.table(key, None)
        found = {name: outer.whole(name) for name in outer.data} if outer else {}
        return {name: value for name, value in found.items() if value is not None}

    def _get(self, key: str, required: bool, expected: str) -> object | None:
        value = self.data.get(key)
        if value is None and required:
            self.problem(key, f"missing; expected {expected}")
        return value

    def _wrong(self, key: str, value: object, expected: str) -> None:
        self.problem(key, f"found {show_value(value)}; expected {expected}")

    def _at(self, key: str) -> str:
        # Names from the data (families, TTLs) may hold dots: they stay as
        # written; anything beyond TOML's bare-key characters gets quotes.
        if not re.fullmatch(r"[A-Za-z0-9_.\[\]-]+", key):
            key = f'"{key}"'
        return f"{self.path}.{key}" if self.path else key


def is_day(value: object) -> bool:
    """True for a TOML local date; a date-time is not a day."""
    return isinstance(value, date) and not isinstance(value, datetime)


def show_value(value: object) -> str:
    """A value as the user wrote it, with its TOML type where that helps."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"'{value}' (a string)"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date | datetime):
        kind = "a date-time" if isinstance(value, datetime) else "a date"
        return f"{value.isoformat()} ({kind})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    return f"{value} ({type(value).__name__})"


def _is_real(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parses_as_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
