"""Time the book's builds: cold, no change, one page edited, one code/ module edited.

Run from the repository root::

    .venv/bin/python benchmarks/bench_build.py                          # print only
    .venv/bin/python benchmarks/bench_build.py --json benchmarks/build_results.json

All four builds run in one session, one after the other, on a git clone of
the committed book in a temporary folder (the work tree is never touched),
with the Makefile's own commands:

* **cold**: ``make clean book``: every notebook page executes;
* **no change**: ``make book`` straight after;
* **one page**: a sentence appended to one page (``--page``), then ``make book``;
* **one code edit**: a comment appended to ``code/tanh_basis.py``, then
  ``make book``: every page that imports it, directly or through another
  module of code/, executes again.

Each is repeated ``--rounds`` times (the page and code edits are planted anew
each round) and the median reported, with the wall time, the CPU time of
make and everything it ran (kernels included), the pages executed, and the
machine's load average, because the same machine may be busy with other
work. Goals (issue 12): one page edit <= 15 s, no change <= 5 s, wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from book_make import executed_pages, make_command

ROOT = Path(__file__).resolve().parents[1]

#: myst-nb logs one line per notebook it executes.


def clone_book(dest: Path) -> Path:
    """A clone of the committed book in ``dest``: the benchmark never edits the work tree."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True)
    return dest


def make(book: Path, *targets: str) -> tuple[float, str]:
    """Run ``make <targets>`` in ``book`` with this interpreter's packages.

    ``BIN`` points make at the running virtual environment and ``-o`` tells
    it not to create one in the clone. Returns wall seconds and the log.
    """
    command = make_command(*targets)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=book, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    log = proc.stdout + "\n" + proc.stderr
    if proc.returncode != 0:
        tail = "\n".join(log.splitlines()[-30:])
        raise SystemExit(f"make {' '.join(targets)} failed:\n{tail}")
    return seconds, log


GOALS_SECONDS = {"no change": 5.0, "one page": 15.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_make(book: Path, *targets: str) -> dict:
    """One make run: wall and CPU seconds, pages executed, load before it."""
    load = os.getloadavg()[0]
    cpu = _children_cpu()
    seconds, log = make(book, *targets)
    return {
        "wall_s": round(seconds, 2),
        "cpu_s": round(_children_cpu() - cpu, 2),
        "executed": sorted(executed_pages(log, book)),
        "load_1min_before": round(load, 2),
    }


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def run(rounds: int, page: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        book = clone_book(Path(tmp) / "book")
        if not (book / f"{page}.md").is_file():
            raise SystemExit(f"--page {page!r} is not a page of the book (no {page}.md)")
        runs: dict[str, list[dict]] = {
            "cold": [], "no change": [], "one page": [], "one code edit": []
        }
        for round_ in range(rounds):
            runs["cold"].append(timed_make(book, "clean", "book"))
            runs["no change"].append(timed_make(book, "book"))
            append(book / f"{page}.md", f"\nA sentence the benchmark added ({round_}).\n")
            runs["one page"].append(timed_make(book, "book"))
            append(book / "code" / "tanh_basis.py", f"\n# the benchmark was here ({round_})\n")
            runs["one code edit"].append(timed_make(book, "book"))
    summary = {}
    for name, results in runs.items():
        wall = statistics.median(r["wall_s"] for r in results)
        summary[name] = {
            "median_wall_s": round(wall, 2),
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in results), 2),
            "pages_executed": len(results[-1]["executed"]),
        }
        if name in GOALS_SECONDS:
            summary[name]["goal_s"] = GOALS_SECONDS[name]
            summary[name]["goal_met"] = wall <= GOALS_SECONDS[name]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "rounds": rounds,
        "page": page,
        "summary": summary,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repetitions (default 1)")
    parser.add_argument("--page", default="chapters/jacobian", help="the page to edit")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    results = run(args.rounds, args.page)
    for name, row in results["summary"].items():
        goal = f"  (goal <= {row['goal_s']} s: {'met' if row['goal_met'] else 'NOT met'})" \
            if "goal_s" in row else ""
        print(f"{name:>14}: {row['median_wall_s']:7.2f} s wall, {row['median_cpu_s']:7.2f} s CPU, "
              f"{row['pages_executed']} pages executed{goal}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
