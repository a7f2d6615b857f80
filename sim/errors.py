"""Errors a user can see, and the exit status each one maps to.

Exit status (a contract of the command line): 0 success, 2 invalid input
(command usage, a scenario, a price sheet, any file the user gave), 1 an
unexpected failure. Input problems are collected, not raised one by one, so
that a user sees every problem of a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INPUT = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file, located by a key path.

    Attributes:
        file: the path of the file as the user named it.
        key: a dotted key path into the file, e.g. ``workload[1].growth.sd``;
            empty when the problem concerns the whole file.
        message: what was found and what was expected.
    """

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class TcosimError(Exception):
    """Base of every error tcosim raises on purpose."""

    exit_code = EXIT_FAILURE


class InputError(TcosimError):
    """One or more problems with files or options the user gave (exit 2)."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, key: str, message: str) -> InputError:
        """Build an error holding one problem."""
        return cls([Problem(file, key, message)])


class ProblemLog:
    """Collects the problems of one file so they are reported together."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        """Record a problem at ``key``."""
        self.problems.append(Problem(self.file, key, message))

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` if any problem was recorded."""
        if self.problems:
            raise InputError(self.problems)


def suggest(name: str, known: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    matches = get_close_matches(name, list(known), n=1, cutoff=0.7)
    return f"; did you mean '{matches[0]}'?" if matches else ""
