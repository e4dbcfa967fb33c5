"""cjmh from Python: load a scenario, change its parameters, run it, compare it, sweep it.

    import cjmh
    base = cjmh.load("scenarios/baseline.toml")
    more_beds = base.with_params({"transfer.beds.medium": 1750})
    results = cjmh.run([base, more_beds], replications=4, seed=1)
    results.query("metric == 'transfer_wait_from_referral_days_mean'").boxplot(column="value", by="scenario")

Runs are the command line's own (the same checks, the same results for the same seed, whatever
the thread count), made off the interpreter's lock so other Python threads go on meanwhile.
Ctrl-C (or interrupting a notebook's kernel) stops a run, replications under way included
(they look for it every month of simulated time), and raises ``KeyboardInterrupt``. Bad input raises :class:`ScenarioError`, with every
problem located by file, line and key path.

Results come as pandas DataFrames with the columns of the command line's tidy tables
(``summary.csv``, ``comparison.csv``), or with ``output="arrow"`` as a pyarrow Table (string
columns dictionary-encoded, missing values null, as ``--format parquet`` writes them), which
polars takes without copying (``output="polars"`` does that).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence, Union

import numpy as np
import pandas as pd

from . import _cjmh
from ._cjmh import Scenario
from ._errors import Problem, ScenarioError

if TYPE_CHECKING:
    import polars
    import pyarrow

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "compare",
    "load",
    "run",
    "sweep",
    "versions",
]

__version__ = dict(_cjmh.versions())["cjmh"]

PathLike = Union[str, "os.PathLike[str]"]
"""A file's path, as a string or a :class:`pathlib.Path`."""

Output = Literal["pandas", "arrow", "polars"]
"""What results come as: a pandas DataFrame, a pyarrow Table, or a polars DataFrame."""

Progress = Union[bool, Callable[[int, int], Any], None]
"""``True`` for a progress line on standard error, or a function called with (replications
done, replications in all) as they finish."""


def versions() -> dict[str, str]:
    """The versions this package was built from: cjmh, the random-number crates that decide
    every draw, and the git revision (as a run's ``manifest.json`` records them)."""
    return dict(_cjmh.versions())


def load(path: PathLike) -> Scenario:
    """Loads and checks the scenario file at ``path`` (with its ``extends`` chain), as
    ``cjmh check`` does.

    Raises :class:`ScenarioError` naming every problem's file, line and key path.
    """
    return _cjmh.load(os.fspath(path))


def _scenario(s: Scenario | PathLike) -> Scenario:
    return s if isinstance(s, Scenario) else load(s)


def _scenarios(s: Scenario | PathLike | Sequence[Scenario | PathLike]) -> list[Scenario]:
    # Every file's problems at once, as the command line reports them, not only the first's.
    loaded: list[Scenario] = []
    errors: list[ScenarioError] = []
    for x in _as_list(s):
        try:
            loaded.append(_scenario(x))
        except ScenarioError as e:
            errors.append(e)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ScenarioError(
            "\n".join(str(e) for e in errors), [p for e in errors for p in e.problems]
        )
    return loaded


def _as_list(s: Scenario | PathLike | Sequence[Scenario | PathLike]) -> list[Scenario | PathLike]:
    if isinstance(s, (Scenario, str, os.PathLike)):
        return [s]
    return list(s)


class _Line:
    """A progress line on standard error: ``cjmh: 12 of 40 replications (30%)``."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total:
            sys.stderr.write(f"\rcjmh: {done:,} of {total:,} {self.what} ({100 * done // total}%)")
            sys.stderr.flush()
            self.shown = True

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _with_progress(progress: Progress, what: str, call: Callable[[Any], Any]) -> Any:
    if progress is True:
        line = _Line(what)
        try:
            return call(line)
        finally:
            line.end()
    return call(progress or None)


def _pandas(table: list[tuple[str, str, bytes, list[str] | None]]) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for name, kind, data, values in table:
        if kind == "text":
            codes = np.frombuffer(data, dtype="<u4")
            columns[name] = pd.Series(np.asarray(values, dtype=object)[codes], dtype=pd.Series(["x"]).dtype)
        elif kind == "count":
            columns[name] = np.frombuffer(data, dtype="<i8")
        else:
            columns[name] = np.frombuffer(data, dtype="<f8")
    return pd.DataFrame(columns)


def _arrow(table: list[tuple[str, str, bytes, list[str] | None]]) -> "pyarrow.Table":
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("output='arrow' needs pyarrow: pip install pyarrow") from e
    arrays = {}
    for name, kind, data, values in table:
        if kind == "text":
            codes = pa.array(np.frombuffer(data, dtype="<i4"))
            arrays[name] = pa.DictionaryArray.from_arrays(codes, pa.array(values, type=pa.string()))
        elif kind == "count":
            arrays[name] = pa.array(np.frombuffer(data, dtype="<i8"))
        else:
            x = np.frombuffer(data, dtype="<f8")
            missing = np.isnan(x)
            arrays[name] = pa.array(x, mask=missing if missing.any() else None)
    return pa.table(arrays)


def _output(table: list[tuple[str, str, bytes, list[str] | None]], output: Output) -> Any:
    if output == "pandas":
        return _pandas(table)
    if output == "arrow":
        return _arrow(table)
    if output == "polars":
        import polars as pl

        return pl.from_arrow(_arrow(table))
    raise ValueError(f"output is 'pandas', 'arrow' or 'polars', not {output!r}")


def run(
    scenarios: Scenario | PathLike | Sequence[Scenario | PathLike],
    *,
    replications: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    cohort: int | None = None,
    catchments: int = 1,
    progress: Progress = False,
    output: Output = "pandas",
) -> Any:
    """Runs each scenario for its replications, as ``cjmh run`` does.

    Returns ``summary.csv``'s rows, in its order: columns ``scenario``, ``replication``,
    ``metric`` (see docs/metrics.md) and ``value`` (missing where a value does not exist, such
    as a mean wait when nobody waited).

    - ``replications``: per scenario (default: the scenario's own setting, else 10).
    - ``seed``: of every random stream (default: the first scenario's own, else 1).
    - ``threads``: worker threads (default: every core); results do not depend on it.
    - ``cohort``: runs at the size where about this many new people arrive (``--cohort``).
    - ``catchments``: splits each replication into this many catchments (``--catchments``).
    - ``progress``: ``True`` for a progress line, or a function of (done, total).
    - ``output``: ``"pandas"``, ``"arrow"`` or ``"polars"``.
    """
    native = _scenarios(scenarios)
    table = _with_progress(
        progress,
        "replications",
        lambda p: _cjmh.run(native, replications, seed, threads, cohort, catchments, p),
    )
    return _output(table, output)


def compare(
    baseline: Scenario | PathLike,
    scenarios: Scenario | PathLike | Sequence[Scenario | PathLike],
    *,
    replications: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    cohort: int | None = None,
    catchments: int = 1,
    progress: Progress = False,
    output: Output = "pandas",
    with_summary: bool = False,
) -> Any:
    """Compares each scenario with ``baseline`` under common random numbers, as
    ``cjmh compare`` does (at least 2 replications).

    Returns ``comparison.csv``'s rows: per scenario and metric, ``replications``,
    ``baseline_mean``, ``scenario_mean``, ``difference_mean``, ``difference_ci_low`` and
    ``difference_ci_high`` (the paired 95% interval over replications: simulation noise only),
    ``independent_ci_half_width`` and ``crn_interval_ratio``; with the investment case's rows
    (``investment.*``) when the scenarios have ``[costs]``. With ``with_summary=True``, the pair
    (comparison, summary), the summary as :func:`run` gives it. Other arguments as :func:`run`.
    """
    base, *others = _scenarios([baseline, *_as_list(scenarios)])
    comparison, summary = _with_progress(
        progress,
        "replications",
        lambda p: _cjmh.compare(base, others, replications, seed, threads, cohort, catchments, p),
    )
    if with_summary:
        return _output(comparison, output), _output(summary, output)
    return _output(comparison, output)


def sweep(
    path: PathLike,
    *,
    threads: int | None = None,
    progress: Progress = False,
    output: Output = "pandas",
) -> Any:
    """Runs every point of the sweep file at ``path`` for its replications, as ``cjmh sweep``
    does, in memory (for a sweep to resume, split over a cluster or keep on disk, use the
    command line).

    Returns its ``summary.csv``'s rows: ``point``, one column per varied parameter (its value
    at the point), ``replication``, ``metric`` and ``value``. Raises :class:`ScenarioError` if
    the sweep file or any point's scenario has problems, located as the command line locates
    them.
    """
    where = os.fspath(path)
    table = _with_progress(progress, "units", lambda p: _cjmh.sweep(where, threads, p))
    return _output(table, output)
