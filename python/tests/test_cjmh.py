"""The Python package against the command line: the same results for the same seed, the same
messages for the same bad input, Parquet that reads back as the CSV, and a run that neither
holds the interpreter nor ignores Ctrl-C.

Run by python/run-tests.sh (and so by .ci/run). The command line is $CJMH_BIN, else
target/release/cjmh in the repository.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cjmh

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "notebooks" / "ci"
BASE = CI / "small-base.toml"
POLICIES = [CI / "small-transfer-14-day.toml", CI / "small-release-support.toml"]


def cli_path() -> Path:
    path = Path(os.environ.get("CJMH_BIN", ROOT / "target" / "release" / "cjmh"))
    if not path.exists():
        pytest.fail(f"no cjmh binary at {path}: build it (cargo build --release) or set CJMH_BIN")
    return path


def cli(*args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(cli_path()), *map(str, args)], capture_output=True, text=True, cwd=ROOT
    )
    if check and done.returncode != 0:
        pytest.fail(f"cjmh {' '.join(map(str, args))} exited {done.returncode}: {done.stderr}")
    return done


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


# -- the same results as the command line ---------------------------------------------------


def test_run_equals_the_command_lines_summary_row_for_row(tmp_path: Path) -> None:
    scenarios = [BASE, *POLICIES]
    cli("run", *scenarios, "-r", "3", "--seed", "7", "--threads", "1", "-q", "--out", tmp_path)
    want = read_csv(tmp_path / "summary.csv")
    # Another thread count, and scenarios given as loaded objects and as paths.
    got = cjmh.run([cjmh.load(BASE), *map(str, POLICIES)], replications=3, seed=7, threads=2)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(got) > 1000


def test_compare_equals_the_command_lines_comparison_and_summary(tmp_path: Path) -> None:
    cli("compare", "--baseline", BASE, *POLICIES, "-r", "3", "--seed", "11", "-q", "--out", tmp_path)
    comparison, summary = cjmh.compare(BASE, POLICIES, replications=3, seed=11, with_summary=True)
    pd.testing.assert_frame_equal(comparison, read_csv(tmp_path / "comparison.csv"), check_exact=True)
    pd.testing.assert_frame_equal(summary, read_csv(tmp_path / "summary.csv"), check_exact=True)
    assert comparison["metric"].str.startswith("investment.").any()


def test_sweep_equals_the_command_lines_summary(tmp_path: Path) -> None:
    sweep = CI / "small-beds-by-limit.toml"
    cli("sweep", sweep, "-q", "--out", tmp_path)
    got = cjmh.sweep(sweep)
    want = read_csv(tmp_path / "summary.csv")
    # The CSV's parameter columns read as integers where every value is whole; the API's are
    # always floats. Values and order are compared exactly.
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)
    assert list(got.columns) == list(want.columns)


def test_with_params_runs_as_the_sweep_point_with_that_value(tmp_path: Path) -> None:
    sweep = tmp_path / "one.toml"
    sweep.write_text(
        f'name = "one"\nbase = "{BASE}"\ndesign = "grid"\nreplications = 2\nseed = 5\n\n'
        '[parameters]\n"transfer.beds.medium" = [3]\n'
    )
    point = cjmh.sweep(sweep)
    changed = cjmh.load(BASE).with_params({"transfer.beds.medium": 3})
    assert changed.params == {"transfer.beds.medium": 3.0}
    assert changed.name == "small-base with transfer.beds.medium=3"
    # Beside the original (their names differ), and the same values as the sweep's point.
    both = cjmh.run([BASE, changed], replications=2, seed=5)
    got = both[both["scenario"] == changed.name]
    np.testing.assert_array_equal(got["value"].to_numpy(), point["value"].to_numpy())
    unchanged = both[both["scenario"] == "small-base"]
    assert not np.array_equal(unchanged["value"].to_numpy(), got["value"].to_numpy(), equal_nan=True)
    assert changed.with_params({}, name="beds").name == "beds"


# -- the same messages for the same bad input -----------------------------------------------


@pytest.mark.parametrize(
    "key, value",
    [
        ("transfer.beds.medium", 2.5),  # not a whole number of beds
        ("transfer.beds.medium", -4),  # fewer than none
        ("court.remand_share", 1.5),  # not a share
        ("transfer.beds.mediun", 3),  # a key the scenario does not write
        ("transfer.beds.medium", float("nan")),  # not a number
    ],
)
def test_with_params_refuses_a_bad_value_with_the_sweeps_message(
    tmp_path: Path, key: str, value: float
) -> None:
    with pytest.raises(cjmh.ScenarioError) as raised:
        cjmh.load(BASE).with_params({key: value})
    problems = raised.value.problems
    assert problems, "a ScenarioError names its problems"
    sweep = tmp_path / "bad.toml"
    sweep.write_text(
        f'name = "bad"\nbase = "{BASE}"\ndesign = "grid"\nreplications = 1\n\n'
        f'[parameters]\n"{key}" = [{value}]\n'
    )
    done = cli("sweep", sweep, "--dry-run", check=False)
    assert done.returncode == 2
    for p in problems:
        assert p.key == key
        assert p.message in done.stderr, (p.message, done.stderr)


def test_a_scenario_error_carries_file_line_and_key_as_the_command_line_prints_them(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{BASE}"\nname = "bad"\n\n[transfer.beds]\n'
        'medium = { value = -1, source = "test" }\nlow = { value = "many", source = "test" }\n'
    )
    with pytest.raises(cjmh.ScenarioError) as raised:
        cjmh.load(bad)
    e = raised.value
    assert isinstance(e, ValueError)
    assert [(p.file, p.line, p.key) for p in e.problems] == [
        (str(bad), 5, "transfer.beds.medium"),
        (str(bad), 6, "transfer.beds.low.value"),
    ]
    assert "got -1" in e.problems[0].message
    done = cli("check", bad, check=False)
    assert done.returncode == 2
    # One report per problem, as the command line prints them after "error: ".
    printed = done.stderr.replace("error: ", "", 1).rstrip("\n")
    assert str(e) == printed
    for p in e.problems:
        assert f"  {p}" in done.stderr


def test_every_bad_files_problems_are_raised_at_once(tmp_path: Path) -> None:
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    for f, key in [(first, "medium"), (second, "low")]:
        f.write_text(f'extends = "{BASE}"\nname = "{f.stem}"\n\n[transfer.beds]\n{key} = {{ value = -1, source = "t" }}\n')
    with pytest.raises(cjmh.ScenarioError) as raised:
        cjmh.run([first, BASE, second], replications=1)
    assert [(p.file, p.line) for p in raised.value.problems] == [(str(first), 5), (str(second), 5)]


def test_a_sweep_files_problems_are_located(tmp_path: Path) -> None:
    sweep = tmp_path / "show.toml"
    sweep.write_text(
        f'name = "show"\nbase = "{BASE}"\ndesign = "grid"\nreplications = 1\n'
        'show = ["people_entred"]\n\n[parameters]\n"transfer.beds.medium" = [3]\n'
    )
    with pytest.raises(cjmh.ScenarioError) as raised:
        cjmh.sweep(sweep)
    [p] = raised.value.problems
    assert (p.file, p.line) == (str(sweep), 5), p
    done = cli("sweep", sweep, "--out", tmp_path / "out", check=False)
    assert done.returncode == 2 and p.message in done.stderr


def test_bad_run_settings_raise_value_errors_with_the_command_lines_reason() -> None:
    with pytest.raises(ValueError, match="at least 2 for paired intervals"):
        cjmh.compare(BASE, POLICIES[:1], replications=1)
    with pytest.raises(ValueError, match="two scenarios are named"):
        cjmh.run([BASE, BASE], replications=1)
    with pytest.raises(ValueError, match="output is"):
        cjmh.run(BASE, replications=1, output="excel")  # type: ignore[arg-type]
    # The command line's bounds on --cohort and --catchments.
    with pytest.raises(ValueError, match="cohort must be from 1"):
        cjmh.run(BASE, replications=1, cohort=0)
    with pytest.raises(ValueError, match="catchments must be from 1"):
        cjmh.run(BASE, replications=1, catchments=0)


# -- the interpreter goes on while a run runs ------------------------------------------------


def test_a_python_thread_keeps_running_while_a_simulation_runs() -> None:
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        start = time.monotonic()
        cjmh.run(ROOT / "scenarios" / "baseline.toml", replications=2, cohort=400_000, threads=1)
        end = time.monotonic()
    finally:
        stop.set()
        ticker.join()
    during = [t for t in ticks if start < t < end]
    # Held, the interpreter's lock would let the other thread tick at most at the start and end
    # of the call (Python asks a holder to let go every 5 ms, and a native call never does).
    # Released, it ticks about every 5 ms throughout.
    assert end - start > 0.2, "the run was too short to tell"
    assert len(during) >= 0.5 * (end - start) / 0.005 * 0.2, (len(during), end - start)


def test_ctrl_c_stops_a_run_cleanly_and_the_package_still_works(tmp_path: Path) -> None:
    national = ROOT / "scenarios" / "baseline.toml"
    script = tmp_path / "interrupted.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import glob, signal, sys, threading, time, cjmh

            def run_threads():
                # The run's own threads (its waiting thread, and rayon's workers, which are
                # named after the thread that starts them), native ones included.
                for _ in range(100):
                    names = [open(f).read().strip() for f in glob.glob("/proc/self/task/*/comm")]
                    if "cjmh-run" not in names:
                        return 0
                    time.sleep(0.05)
                return names.count("cjmh-run")

            # One replication uninterrupted, to know how long one takes on this machine now.
            start = time.monotonic()
            cjmh.run({str(national)!r}, replications=1, cohort=2_000_000, threads=1)
            full = time.monotonic() - start

            signalled = []
            def on_sigint(signum, frame):
                signalled.append(time.monotonic())
                raise KeyboardInterrupt
            signal.signal(signal.SIGINT, on_sigint)
            started = False
            def progress(done, total):
                global started
                if not started:
                    started = True
                    print("started", flush=True)
            try:
                cjmh.run({str(national)!r}, replications=1, cohort=2_000_000, threads=1,
                         progress=progress)
                print("finished", flush=True)
            except KeyboardInterrupt:
                stopped = time.monotonic() - signalled[0]
                print("interrupted", threading.active_count(), run_threads(), stopped, full,
                      flush=True)
            again = cjmh.run({str(BASE)!r}, replications=1)
            print("again", len(again), flush=True)
            """
        )
    )
    child = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    time.sleep(0.2)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    lines = out.split()
    # One Python thread, none of the run's left, and the next run works.
    assert lines[:3] == ["interrupted", "1", "0"], out
    assert lines[5] == "again" and int(lines[6]) > 100, out
    # The one replication was cut short, not run to its end: the run looks for a stop every
    # month of simulated time (a hundredth of the replication), so it stops well within half
    # the time the whole replication takes here.
    stopped, full = float(lines[3]), float(lines[4])
    assert stopped < full / 2, (stopped, full)


def test_progress_is_reported_up_to_the_total() -> None:
    seen: list[tuple[int, int]] = []
    cjmh.run(BASE, replications=40, threads=1, progress=lambda d, t: seen.append((d, t)))
    # Reported while waiting, every 50 ms, and once more at the end.
    assert seen and seen[-1] == (40, 40), seen
    assert all(t == 40 and 0 <= d <= 40 for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# -- Parquet and Arrow ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_parquet_read_back_with_pandas_equals_the_csv(tmp_path: Path, command: str) -> None:
    args = {
        "run": ["run", BASE, *POLICIES, "-r", "2"],
        "compare": ["compare", "--baseline", BASE, *POLICIES, "-r", "2"],
        "sweep": ["sweep", CI / "small-psa-base.toml"],
    }[command]
    tables = {"run": ["summary"], "compare": ["summary", "comparison"], "sweep": ["summary", "points"]}
    for fmt in ["csv", "parquet"]:
        cli(*args, "-q", "--format", fmt, "--out", tmp_path / fmt)
    for table in tables[command]:
        csv = read_csv(tmp_path / "csv" / f"{table}.csv")
        parquet = pd.read_parquet(tmp_path / "parquet" / f"{table}.parquet")
        assert not (tmp_path / "parquet" / f"{table}.csv").exists()
        # Parameter columns are doubles in Parquet; the CSV reader makes whole ones integers.
        pd.testing.assert_frame_equal(parquet, csv, check_exact=True, check_dtype=command != "sweep")


def test_arrow_and_polars_outputs_hold_the_same_table() -> None:
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    frame = cjmh.run(BASE, replications=2)
    table = cjmh.run(BASE, replications=2, output="arrow")
    assert isinstance(table, pa.Table)
    assert pa.types.is_dictionary(table.schema.field("metric").type)
    back = table.to_pandas()
    for c in ["scenario", "metric"]:
        back[c] = back[c].astype(frame[c].dtype)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    # A value that does not exist is null in Arrow, as in Parquet, and NaN in pandas.
    assert table.column("value").null_count == int(frame["value"].isna().sum())
    polars = cjmh.run(BASE, replications=2, output="polars")
    assert isinstance(polars, pl.DataFrame)
    assert polars.shape == frame.shape
    assert polars["value"].sum() == pytest.approx(frame["value"].sum(), rel=1e-12)


def test_the_stubs_describe_the_native_module() -> None:
    # stubtest imports the module and checks every name, signature and type in the .pyi.
    stubtest = pytest.importorskip("mypy.stubtest")
    assert stubtest.test_stubs(stubtest.parse_options(["cjmh._cjmh"])) == 0


def test_the_readmes_five_lines_run() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## From Python") :]
    install = section[section.index("```sh\n") + 6 :].split("\n```", 1)[0]
    assert install.startswith("pip install ./python")
    code = section[section.index("```python\n") + 10 :].split("\n```", 1)[0].splitlines()
    assert len(code) == 4 + 1, code
    # The four that load, change and run, as written (from the repository root, where the
    # README's paths are); the plot (matplotlib is not in this environment) is only compiled.
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        names: dict[str, object] = {}
        exec("\n".join(code[:4]), names)
    finally:
        os.chdir(here)
    compile(code[4], "README.md", "exec")
    results = names["results"]
    assert isinstance(results, pd.DataFrame)
    assert list(results["scenario"].unique()) == ["baseline", "baseline with transfer.beds.medium=1750"]
    assert (results["replication"].unique() == [0, 1, 2, 3]).all()
