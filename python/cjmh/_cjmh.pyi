"""The native half of the cjmh package (Rust, through PyO3). Use it through ``cjmh``: these
functions return result tables as raw columns, which ``cjmh`` turns into DataFrames."""

from os import PathLike
from pathlib import Path
from typing import Any, Callable, Optional

from typing_extensions import final

__all__ = ["Scenario", "compare", "load", "run", "sweep", "versions"]

_Column = tuple[str, str, bytes, Optional[list[str]]]
"""A result column: (name, kind, data, values). ``kind`` is ``"text"`` (``data`` holds
little-endian u32 codes into ``values``), ``"count"`` (i64) or ``"number"`` (f64, NaN where
missing)."""

@final
class Scenario:
    """A scenario file, loaded and checked (``cjmh.load``), with any parameters changed."""

    @property
    def name(self) -> str:
        """The scenario's name, as outputs label it."""
    @property
    def path(self) -> Path:
        """The scenario file."""
    @property
    def params(self) -> dict[str, float]:
        """Parameters changed from the file with ``with_params``, by key path."""
    @property
    def warnings(self) -> list[str]:
        """Contradictions the scenario can run with, as ``cjmh check`` prints them."""
    def with_params(self, params: dict[str, float], name: Optional[str] = None) -> Scenario:
        """A copy with parameters changed, each key a parameter's path
        (``"transfer.beds.medium"``), checked exactly as a sweep point is. Raises
        ``cjmh.ScenarioError`` for a value the scenario refuses, or a key it does not write.
        The copy is named ``name``, by default the file's name with the changes
        (``"baseline with transfer.beds.medium=1750"``); the name changes no result."""

def load(path: str | PathLike[str]) -> Scenario:
    """Loads and checks a scenario file; raises ``cjmh.ScenarioError``."""

def run(
    scenarios: list[Scenario],
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    cohort: Optional[int] = None,
    catchments: int = 1,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> list[_Column]:
    """Runs each scenario: ``summary.csv``'s columns."""

def compare(
    baseline: Scenario,
    scenarios: list[Scenario],
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    cohort: Optional[int] = None,
    catchments: int = 1,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> tuple[list[_Column], list[_Column]]:
    """Compares each scenario with the baseline: ``comparison.csv``'s columns, then
    ``summary.csv``'s."""

def sweep(
    path: str | PathLike[str],
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> list[_Column]:
    """Runs every point of a sweep file: its ``summary.csv``'s columns."""

def versions() -> list[tuple[str, str]]:
    """The versions this package was built from."""
