//! `cjmh._cjmh`: the native half of the Python package. It loads scenarios and runs them with
//! the simulator's own checks (`cjmh::api`), off the interpreter's lock, and hands results back
//! as columns: the raw bytes of each number column, and each string column as codes into its
//! distinct values, which `cjmh/__init__.py` turns into pandas or Arrow without copying again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use cjmh::api::{self, Control, Options};
use cjmh::output::comparison;
use cjmh::output::summary::ReplicationResult;
use cjmh::output::tidy::{Kind, kind_of};
use cjmh::scenario::{self, KeyPath, ScenarioError};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList};

// The simulator's allocator, as the command line has it: huge pages under the large tables of
// people, so that a run from Python is as fast as one from the command line.
#[global_allocator]
static ALLOCATOR: cjmh::alloc::HugePages = cjmh::alloc::HugePages;

/// How often the waiting thread looks for Ctrl-C and reports progress.
const POLL: Duration = Duration::from_millis(50);

/// A scenario file, loaded and checked, with any parameters changed from Python.
#[pyclass(module = "cjmh._cjmh", name = "Scenario", frozen)]
struct Scenario {
    path: PathBuf,
    /// The name the file gives the scenario.
    file_name: String,
    /// Parameters set with `with_params`, by key path, in the order first set.
    params: Vec<(String, f64)>,
    resolved: scenario::Scenario,
}

#[pymethods]
impl Scenario {
    /// The scenario's name, as outputs label it.
    #[getter]
    fn name(&self) -> &str {
        &self.resolved.name
    }

    /// The scenario file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Parameters changed from the file, by key path.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.params {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// Warnings about the scenario: contradictions it can run with (as `cjmh check` prints).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.resolved
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect()
    }

    /// A copy with parameters changed, each key a parameter's path (`transfer.beds.medium`),
    /// checked exactly as a sweep point is. It is named `name`, by default the file's scenario
    /// name with the changes (`baseline with transfer.beds.medium=1750`), so that it can run
    /// beside the original; the name changes no result.
    #[pyo3(signature = (params, name=None))]
    fn with_params(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
        name: Option<String>,
    ) -> PyResult<Scenario> {
        let mut all = self.params.clone();
        for (k, v) in params.iter() {
            let key: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("parameter names are strings"))?;
            if v.is_instance_of::<PyBool>() {
                return Err(PyTypeError::new_err(format!(
                    "{key}: a parameter is a number, not {}",
                    v.repr()?
                )));
            }
            let value: f64 = v.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{key}: a parameter is a number, got {}",
                    v.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            })?;
            if !value.is_finite() {
                // As a sweep refuses `nan` or `inf` among its values, at the key.
                let doc = cjmh::scenario::file::Document::load(&self.path)
                    .map_err(|problems| scenario_error(py, &ScenarioError { problems }))?;
                let shown = if value.is_nan() {
                    "nan".to_string()
                } else if value > 0.0 {
                    "inf".to_string()
                } else {
                    "-inf".to_string()
                };
                let problem = doc.problem(
                    KeyPath::parse(&key),
                    format!("values must be numbers, got {shown}"),
                );
                return Err(scenario_error(
                    py,
                    &ScenarioError {
                        problems: vec![problem],
                    },
                ));
            }
            match all.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => all.push((key, value)),
            }
        }
        let overrides: Vec<(KeyPath, f64)> =
            all.iter().map(|(k, v)| (KeyPath::parse(k), *v)).collect();
        let path = self.path.clone();
        let mut resolved = py
            .detach(|| scenario::load_with(&path, &overrides))
            .map_err(|e| scenario_error(py, &e))?;
        let changes: Vec<String> = all.iter().map(|(k, v)| format!("{k}={v}")).collect();
        resolved.name = match name {
            Some(n) => n,
            None if changes.is_empty() => self.file_name.clone(),
            None => format!("{} with {}", self.file_name, changes.join(", ")),
        };
        Ok(Scenario {
            path: self.path.clone(),
            file_name: self.file_name.clone(),
            params: all,
            resolved,
        })
    }

    fn __repr__(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k:?}: {v}"))
            .collect();
        if params.is_empty() {
            format!(
                "<cjmh.Scenario {:?} from {}>",
                self.resolved.name,
                self.path.display()
            )
        } else {
            format!(
                "<cjmh.Scenario {:?} from {} with {{{}}}>",
                self.resolved.name,
                self.path.display(),
                params.join(", ")
            )
        }
    }
}

/// The Python `cjmh.ScenarioError` for `e`: the command line's text, and each problem's file,
/// line, key path and message.
fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let problems: Vec<(String, Option<usize>, String, String)> = e
        .problems
        .iter()
        .map(|p| {
            (
                p.file.display().to_string(),
                p.line,
                p.key.to_string(),
                p.message.clone(),
            )
        })
        .collect();
    let text = e.to_string();
    let text = text.trim_end().to_string();
    match py
        .import("cjmh._errors")
        .and_then(|m| m.getattr("_scenario_error"))
        .and_then(|make| make.call1((text, problems)))
    {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

/// The Python exception for a run's error: bad input is a `ValueError` carrying the command
/// line's reports; a failure a `RuntimeError`.
fn run_error(py: Python<'_>, e: api::Error) -> PyErr {
    match e {
        api::Error::Scenario(e) => scenario_error(py, &e),
        api::Error::BadInput(reports) => PyValueError::new_err(reports.join("\n")),
        api::Error::Failure(m) => PyRuntimeError::new_err(m),
        api::Error::Cancelled => PyRuntimeError::new_err("the run was stopped"),
    }
}

/// Loads and checks a scenario file.
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> PyResult<Scenario> {
    // Kept absolute: `with_params` reads the file again, and the notebook may change directory.
    let path = std::path::absolute(&path).unwrap_or(path);
    let resolved = py
        .detach(|| scenario::load(&path))
        .map_err(|e| scenario_error(py, &e))?;
    Ok(Scenario {
        path,
        file_name: resolved.name.clone(),
        params: Vec::new(),
        resolved,
    })
}

/// Runs `work` on a thread of its own while this one, off the interpreter's lock, waits for it:
/// other Python threads run meanwhile. Every [`POLL`] it takes the lock to look for signals
/// (Ctrl-C raises `KeyboardInterrupt` here: the run is told to stop, and this returns once its
/// threads have, within a month of simulated time) and to call `progress(done, total)` when more
/// are done.
fn detached<T: Send + 'static>(
    py: Python<'_>,
    progress: Option<Bound<'_, PyAny>>,
    work: impl FnOnce(&Control) -> Result<T, api::Error> + Send + 'static,
) -> PyResult<T> {
    let control = Arc::new(Control::default());
    let (tx, rx) = mpsc::channel();
    let worker = {
        let control = control.clone();
        std::thread::Builder::new()
            .name("cjmh-run".into())
            .spawn(move || {
                let _ = tx.send(work(&control));
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the run's thread: {e}")))?
    };
    // Waited on off the lock, so shared with the closure that waits: a Mutex makes it Sync.
    let rx = std::sync::Mutex::new(rx);
    let mut shown = None;
    let interrupted = loop {
        match py.detach(|| {
            rx.lock()
                .unwrap_or_else(|e| e.into_inner())
                .recv_timeout(POLL)
        }) {
            Ok(result) => {
                let _ = py.detach(|| worker.join());
                // The last report, so that a progress bar ends full.
                if let (Some(callback), Ok(_)) = (&progress, &result) {
                    let total = control.total.load(Ordering::Relaxed);
                    callback.call1((control.done.load(Ordering::Relaxed), total))?;
                }
                return result.map_err(|e| run_error(py, e));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = py.detach(|| worker.join());
                return Err(PyRuntimeError::new_err(
                    "the run ended without a result (a bug in cjmh: please report it)",
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Err(e) = py.check_signals() {
            break e;
        }
        if let Some(callback) = &progress {
            let done = control.done.load(Ordering::Relaxed);
            if shown != Some(done) {
                shown = Some(done);
                let total = control.total.load(Ordering::Relaxed);
                if let Err(e) = callback.call1((done, total)) {
                    break e;
                }
            }
        }
    };
    // Stopped from Python: no replication starts now, and those under way stop at their next
    // look at the flag (a month of simulated time) before the exception is raised, so that no
    // thread of the run outlives the call.
    control.cancel.store(true, Ordering::Relaxed);
    let _ = py.detach(|| worker.join());
    Err(interrupted)
}

/// One column of a result table, as built.
enum Column {
    /// Codes into `values`, the distinct strings in order of first appearance.
    Text {
        codes: Vec<u32>,
        values: Vec<String>,
        index: HashMap<String, u32>,
    },
    Count(Vec<i64>),
    Number(Vec<f64>),
}

impl Column {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Text => Column::Text {
                codes: Vec::new(),
                values: Vec::new(),
                index: HashMap::new(),
            },
            Kind::Count => Column::Count(Vec::new()),
            Kind::Number => Column::Number(Vec::new()),
        }
    }

    fn push_text(&mut self, s: &str) {
        if let Column::Text {
            codes,
            values,
            index,
        } = self
        {
            let code = match index.get(s) {
                Some(&c) => c,
                None => {
                    let c = values.len() as u32;
                    values.push(s.to_string());
                    index.insert(s.to_string(), c);
                    c
                }
            };
            codes.push(code);
        }
    }

    fn push_count(&mut self, n: u64) {
        if let Column::Count(v) = self {
            v.push(n as i64);
        }
    }

    fn push_number(&mut self, x: f64) {
        if let Column::Number(v) = self {
            v.push(x);
        }
    }

    /// `(kind, data, values)`: the column's little-endian bytes (u32 codes, i64 or f64), and
    /// for text the distinct strings.
    fn into_py<'py>(self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        fn bytes<'py, const N: usize, T>(
            py: Python<'py>,
            v: &[T],
            le: impl Fn(&T) -> [u8; N],
        ) -> Bound<'py, PyBytes> {
            let mut out = Vec::with_capacity(v.len() * N);
            for x in v {
                out.extend_from_slice(&le(x));
            }
            PyBytes::new(py, &out)
        }
        let t = match self {
            Column::Text { codes, values, .. } => (
                name,
                "text",
                bytes(py, &codes, |c| c.to_le_bytes()),
                Some(values),
            ),
            Column::Count(v) => (name, "count", bytes(py, &v, |c| c.to_le_bytes()), None),
            Column::Number(v) => (name, "number", bytes(py, &v, |c| c.to_le_bytes()), None),
        };
        t.into_pyobject(py).map(|t| t.into_any())
    }
}

/// A table as a list of `(name, kind, data, values)`.
fn table<'py>(py: Python<'py>, columns: Vec<(String, Column)>) -> PyResult<Bound<'py, PyList>> {
    let items = columns
        .into_iter()
        .map(|(name, c)| c.into_py(py, &name))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// `summary.csv`'s columns for `results`.
fn summary_columns(results: &[ReplicationResult]) -> Vec<(String, Column)> {
    let names = ["scenario", "replication", "metric", "value"];
    let mut cols: Vec<Column> = names.iter().map(|n| Column::new(kind_of(n))).collect();
    for r in results {
        for (metric, value) in &r.metrics {
            cols[0].push_text(&r.scenario);
            cols[1].push_count(r.replication);
            cols[2].push_text(metric);
            cols[3].push_number(*value);
        }
    }
    names.iter().map(|n| n.to_string()).zip(cols).collect()
}

/// The columns of a tidy CSV table (`comparison.csv`'s, made by the command line's own writer,
/// so that every derived value is the one it writes).
fn csv_columns(bytes: &[u8]) -> PyResult<Vec<(String, Column)>> {
    let bad = |e: String| PyRuntimeError::new_err(format!("reading a result table: {e}"));
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let mut cols: Vec<Column> = header.iter().map(|n| Column::new(kind_of(n))).collect();
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        for (cell, col) in record.iter().zip(&mut cols) {
            match col {
                Column::Text { .. } => col.push_text(cell),
                Column::Count(_) => col.push_count(cell.parse().map_err(|_| bad(cell.into()))?),
                Column::Number(_) => col.push_number(if cell.is_empty() {
                    f64::NAN
                } else {
                    cell.parse().map_err(|_| bad(cell.into()))?
                }),
            }
        }
    }
    Ok(header.into_iter().zip(cols).collect())
}

fn options(
    replications: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    cohort: Option<u64>,
    catchments: u32,
) -> Options {
    Options {
        replications,
        seed,
        threads,
        cohort,
        catchments,
    }
}

fn resolved(scenarios: &[PyRef<'_, Scenario>]) -> Vec<scenario::Scenario> {
    scenarios.iter().map(|s| s.resolved.clone()).collect()
}

/// Runs each scenario for its replications: `summary.csv`'s columns.
#[pyfunction]
#[pyo3(signature = (scenarios, replications=None, seed=None, threads=None, cohort=None, catchments=1, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    scenarios: Vec<PyRef<'py, Scenario>>,
    replications: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    cohort: Option<u64>,
    catchments: u32,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let scenarios = resolved(&scenarios);
    let o = options(replications, seed, threads, cohort, catchments);
    let results = detached(py, progress, move |c| api::run(&scenarios, &o, c))?;
    let columns = py.detach(|| summary_columns(&results));
    table(py, columns)
}

/// Compares each scenario with the baseline under common random numbers: `comparison.csv`'s
/// columns and `summary.csv`'s.
#[pyfunction]
#[pyo3(signature = (baseline, scenarios, replications=None, seed=None, threads=None, cohort=None, catchments=1, progress=None))]
#[allow(clippy::too_many_arguments)]
fn compare<'py>(
    py: Python<'py>,
    baseline: PyRef<'py, Scenario>,
    scenarios: Vec<PyRef<'py, Scenario>>,
    replications: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    cohort: Option<u64>,
    catchments: u32,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
    let mut all = vec![baseline.resolved.clone()];
    all.extend(resolved(&scenarios));
    let o = options(replications, seed, threads, cohort, catchments);
    let (rows, results) = detached(py, progress, move |c| api::compare(&all, &o, c))?;
    let (comparison, summary) = py.detach(|| {
        (
            csv_columns(&comparison::to_csv(&rows)),
            summary_columns(&results),
        )
    });
    Ok((table(py, comparison?)?, table(py, summary)?))
}

/// Runs every point of a sweep file for its replications: its `summary.csv`'s columns.
#[pyfunction]
#[pyo3(signature = (path, threads=None, progress=None))]
fn sweep<'py>(
    py: Python<'py>,
    path: PathBuf,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let sw = py
        .detach(|| scenario::sweep::load(&path))
        .map_err(|e| scenario_error(py, &e))?;
    let parameters = sw.parameters.clone();
    let points = sw.points.clone();
    let units = detached(py, progress, move |c| api::sweep(&sw, threads, c))?;
    let mut names = vec!["point".to_string()];
    names.extend(parameters.iter().cloned());
    names.extend(["replication", "metric", "value"].map(String::from));
    let mut cols: Vec<Column> = names.iter().map(|n| Column::new(kind_of(n))).collect();
    let k = parameters.len();
    for u in &units {
        for (metric, value) in &u.metrics {
            cols[0].push_count(u.point as u64);
            for (j, v) in points[u.point].iter().enumerate() {
                cols[1 + j].push_number(*v);
            }
            cols[k + 1].push_count(u.replication);
            cols[k + 2].push_text(metric);
            cols[k + 3].push_number(*value);
        }
    }
    table(py, names.into_iter().zip(cols).collect())
}

/// The versions this package was built from: the simulator, the random-number crates that
/// decide every draw, and the git revision (as a run's `manifest.json` records them).
#[pyfunction]
fn versions() -> Vec<(&'static str, &'static str)> {
    let v = cjmh::output::manifest::Versions::current();
    vec![
        ("cjmh", v.cjmh),
        ("rand", v.rand),
        ("rand_distr", v.rand_distr),
        ("rand_xoshiro", v.rand_xoshiro),
        ("git_revision", v.git_revision.unwrap_or("")),
    ]
}

#[pymodule]
fn _cjmh(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scenario>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(versions, m)?)?;
    Ok(())
}
