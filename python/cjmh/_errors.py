"""The exception bad scenario input raises, with every problem located as the command line
locates it."""

from __future__ import annotations

from typing import NamedTuple, Optional


class Problem(NamedTuple):
    """One problem with a scenario or sweep file."""

    file: str
    """The file the offending key was written in."""
    line: Optional[int]
    """Its line (from 1), where known."""
    key: str
    """The key path, such as ``transfer.beds.medium``."""
    message: str
    """What is wrong, as a sentence."""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: `{self.key}`: {self.message}"


class ScenarioError(ValueError):
    """A scenario (or sweep) file, or a parameter set with ``with_params``, that cannot be
    used. ``str(error)`` is what ``cjmh check`` prints; ``problems`` holds each one, with its
    file, line, key path and message."""

    problems: list[Problem]

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def _scenario_error(message: str, problems: list[tuple[str, Optional[int], str, str]]) -> ScenarioError:
    """Made by the native module for each scenario error."""
    return ScenarioError(message, [Problem(*p) for p in problems])
