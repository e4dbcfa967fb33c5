# The head of a comparison's Markdown report, shared by run.sh (M/M/c) and pathway.sh: what ran
# where, so that a reader can judge the timings. Sourced; uses $root (the repository) and $py
# (the venv's Python).

# The load average (1, 5, 15 min), or '?' where /proc has none.
loadavg() {
    cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'
}

# report_header TITLE LOAD_BEFORE LOAD_AFTER LAST_LINE: the title, then the machine, cjmh's
# revision and toolchain, the load before and after the runs, the Python, and LAST_LINE.
report_header() {
    local cpu rev
    cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
    rev="$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "# $1"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- machine: $(nproc) cores (nproc), CPU: ${cpu:-unknown}, $(uname -sr)"
    echo "- cjmh: $rev ($(cd "$root" && cargo --version)), $(rustc --version 2>/dev/null || echo 'rustc ?')"
    echo "- load average (1, 5, 15 min) before the runs: $2; after: $3"
    echo "- Python: $("$py" -c 'import platform; print(platform.python_implementation(), platform.python_version())')"
    echo "- $4"
    echo
}
