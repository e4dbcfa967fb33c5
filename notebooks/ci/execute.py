"""Executes notebooks end to end with nbclient, for notebooks/run.sh.

    python ci/execute.py --out DIR NOTEBOOK...

Each notebook runs in its own folder (as Jupyter runs it) with the current environment, so the
CJMH_* variables reach its parameters cell. The executed copy goes to DIR; the notebook itself is
never written. Exits 1 if any cell raises, after trying every notebook.
"""
import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path, help="folder for the executed copies")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    failed = []
    for path in args.notebooks:
        start = time.monotonic()
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=args.timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.resolve().parent)}},
        )
        try:
            client.execute()
            status = "ok"
        except CellExecutionError as e:
            failed.append(path.name)
            status = "FAILED"
            print(str(e), file=sys.stderr)
        finally:
            nbformat.write(nb, args.out / path.name)
        print(f"{path.name}: {status} in {time.monotonic() - start:.1f} s -> {args.out / path.name}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
