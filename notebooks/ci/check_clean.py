"""Checks that notebooks are committed without outputs, for notebooks/run.sh.

    python ci/check_clean.py NOTEBOOK...          # exit 1 if a code cell has outputs or a count
    python ci/check_clean.py --clear NOTEBOOK...  # clear them in place (before committing)

Uses only the standard library.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    clear = "--clear" in args
    paths = [a for a in args if a != "--clear"]
    dirty = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
        changed = False
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            if cell.get("outputs") != [] or cell.get("execution_count") is not None:
                if clear:
                    cell["outputs"] = []
                    cell["execution_count"] = None
                    changed = True
                else:
                    dirty.append(f"{path}: code cell {i} has outputs or an execution count")
        if changed:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(nb, f, indent=1, ensure_ascii=False)
                f.write("\n")
            print(f"{path}: cleared")
    for d in dirty:
        print(d, file=sys.stderr)
    if dirty:
        print("clear them with: python notebooks/ci/check_clean.py --clear notebooks/*.ipynb", file=sys.stderr)
        sys.exit(1)
    if not clear:
        print(f"{len(paths)} notebooks: every code cell has no outputs and no execution count")


if __name__ == "__main__":
    main()
