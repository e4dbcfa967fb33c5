# Sourced by notebooks/run.sh and tests/browser/run.sh: `python_venv VENV REQUIREMENTS` makes
# the virtual environment VENV (CPython 3.11 if there is one, or $PYTHON) and installs the pinned
# REQUIREMENTS into it, again whenever that file changes (a copy beside the venv says what was
# installed).
python_venv() {
    local venv="$1" requirements="$2" python
    if [ ! -x "$venv/bin/python" ]; then
        python="${PYTHON:-}"
        if [ -z "$python" ]; then
            python="$(command -v python3.11 || command -v python3)"
        fi
        "$python" -m venv "$venv"
    fi
    if ! cmp -s "$requirements" "$venv/requirements.installed"; then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$venv/requirements.installed"
    fi
}
