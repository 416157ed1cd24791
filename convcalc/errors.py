"""The exceptions the library raises; the CLI turns each into one line on stderr and an exit code.

Every error that a spec can cause carries a `Location` (file and line), so the message a user reads
is always ``file:line: what is wrong and how to fix it``.
"""

from __future__ import annotations

from difflib import get_close_matches

from .records import record


@record
class Location:
    """Where something stands in a spec: a file name (or ``<command line>``) and a 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class ConvcalcError(Exception):
    """Base class: something the user can fix. `exit_code` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class SpecError(ConvcalcError):
    """The spec is malformed: YAML syntax, unknown keys or ops, wrong types, bad values."""


class ShapeError(ConvcalcError):
    """The spec is well formed but its layers do not fit the tensors that reach them."""


class UsageError(ConvcalcError):
    """A command-line argument is wrong (not a spec file's fault)."""


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean 'x'?)' suffix when a close match exists, else ''."""
    match = get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
