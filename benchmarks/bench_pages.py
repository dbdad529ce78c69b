"""Lighthouse on every page of the book, beside a default Jupyter Book, as a phone sees them.

Run from the repository root, on a built book (20 pages x 3 runs: about 10 minutes
on a quiet 2-core machine, 29 under a load average of 12)::

    .venv/bin/python benchmarks/bench_pages.py --html _build/html
    .venv/bin/python benchmarks/bench_pages.py --html _build/html --pages intro --runs 1

What is measured: Lighthouse 12.2.3 (npm, installed into ``.cache/npm/lighthouse``;
13.x needs Node 22) with its defaults, a mobile phone on simulated slow 4G
with a 4x slower CPU, in Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``),
performance only. Every page of ``_toc.yml`` is served from ``--html`` on
127.0.0.1 **with gzip**, as GitHub Pages serves it. The anchor is the book
that ``jupyter-book create`` makes, built in the same run with the same
Jupyter Book, served and measured the same way. Each page is measured
``--runs`` times (default 3), page after page in rounds, so that a busy machine
slows the book and the anchor alike; the medians are reported: performance
score, Total Blocking Time, Largest Contentful Paint, Cumulative Layout Shift,
and bytes transferred.

Written to ``--json`` (default ``benchmarks/pages_results.json``) with the load
average before and after; chapters/benchmarks.md shows it. The goals (every
toc page: TBT <= 200 ms, score >= 90, LCP <= 2.5 s) are checked and printed,
not asserted: a benchmark, not a test. With Debian's current Chromium,
Lighthouse 12.2.3 cannot name the LCP element (its TraceElements gatherer
fails on the trace); the metrics themselves are computed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from book_site import QuietHandler, serve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

LIGHTHOUSE_VERSION = "12.2.3"
LIGHTHOUSE_PREFIX = ROOT / ".cache" / "npm" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
#: The pass marks of issue 27, per toc page, on the medians.
GOALS = {"tbt_ms": 200.0, "score": 90.0, "lcp_ms": 2500.0}
#: What GitHub Pages compresses.
GZIP_TYPES = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".ipynb", ".md")
METRICS = {"score": None, "tbt_ms": "total-blocking-time", "lcp_ms": "largest-contentful-paint",
           "cls": "cumulative-layout-shift", "bytes": "total-byte-weight",
           "fcp_ms": "first-contentful-paint"}


class GzipHandler(QuietHandler):
    """Static files, text types gzip-compressed when the client accepts it."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in GZIP_TYPES and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve_gzip(directory: Path) -> Iterator[str]:
    """Serve ``directory`` with gzip on 127.0.0.1 at a free port; yields the base URL."""
    if not (directory / "index.html").is_file() and not any(directory.glob("*.html")):
        raise SystemExit(f"--html {directory}: no HTML there; build the book first (make book)")
    with serve(directory, GzipHandler) as url:
        yield url


def lighthouse() -> Path:
    """Lighthouse's CLI, installed from the npm registry into .cache/npm/lighthouse once."""
    cli = LIGHTHOUSE_PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
    package = LIGHTHOUSE_PREFIX / "node_modules" / "lighthouse" / "package.json"
    if not (package.is_file()
            and json.loads(package.read_text())["version"] == LIGHTHOUSE_VERSION):
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm not found: it installs Lighthouse (sudo .ci/install-packages)")
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
                        str(LIGHTHOUSE_PREFIX), f"lighthouse@{LIGHTHOUSE_VERSION}"],
                       check=True, capture_output=True, timeout=600)
    return cli


def measure(cli: Path, url: str) -> dict[str, float]:
    """One Lighthouse run (mobile defaults, performance only): the numbers of :data:`METRICS`."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        proc = subprocess.run(
            ["node", str(cli), url, "--output=json", f"--output-path={report}",
             "--only-categories=performance", "--quiet",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
             "--disable-background-networking --disable-component-update --no-first-run"],
            env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
            timeout=300,
        )
        if proc.returncode != 0 or not report.is_file():
            raise RuntimeError(f"Lighthouse failed on {url}: {proc.stderr[-1500:]}")
        result = json.loads(report.read_text())
    if result.get("runtimeError"):
        raise RuntimeError(f"Lighthouse on {url}: {result['runtimeError']}")
    out = {"score": round(100 * result["categories"]["performance"]["score"], 1)}
    for key, audit in METRICS.items():
        if audit:
            out[key] = round(result["audits"][audit]["numericValue"], 3)
    return out


def anchor_book(folder: Path) -> Path:
    """A default ``jupyter-book create`` book, built; returns its HTML folder."""
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "create", str(folder / "anchor")], check=True,
                   capture_output=True, timeout=120)
    subprocess.run([str(jb), "build", str(folder / "anchor")], check=True,
                   capture_output=True, timeout=900)
    return folder / "anchor" / "_build" / "html"


def anchor_pages(html: Path) -> list[str]:
    """The anchor's pages, as docnames."""
    return sorted(str(p.relative_to(html).with_suffix("")) for p in html.glob("*.html")
                  if p.stem not in {"genindex", "search", "index"})


def medians(runs: list[dict[str, float]]) -> dict[str, Any]:
    """Each metric's median over the runs, and the runs."""
    out: dict[str, Any] = {key: round(statistics.median(r[key] for r in runs), 3)
                           for key in METRICS}
    out["runs"] = runs
    return out


def meets(page: dict[str, Any]) -> bool:
    """Whether one page's medians meet :data:`GOALS`."""
    return (page["tbt_ms"] <= GOALS["tbt_ms"] and page["score"] >= GOALS["score"]
            and page["lcp_ms"] <= GOALS["lcp_ms"])


def run(html: Path, runs: int, pages: list[str] | None, anchor: bool) -> dict[str, Any]:
    """Measure the book's pages and the anchor's, ``runs`` rounds; the results as a dict."""
    from book_site import toc_pages

    cli = lighthouse()
    book_pages = pages or toc_pages()
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        sites = {"book": (stack.enter_context(serve_gzip(html)), book_pages)}
        if anchor:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            anchor_html = anchor_book(tmp)
            sites["anchor"] = (stack.enter_context(serve_gzip(anchor_html)),
                               anchor_pages(anchor_html))
        raw: dict[str, dict[str, list]] = {s: {p: [] for p in ps} for s, (_, ps) in sites.items()}
        for round_ in range(runs):
            for site, (url, site_pages) in sites.items():
                for page in site_pages:
                    result = measure(cli, f"{url}/{page}.html")
                    raw[site][page].append(result)
                    print(f"round {round_ + 1}/{runs} {site:6} {page:28} "
                          + " ".join(f"{k}={v:g}" for k, v in result.items()), flush=True)
    results = {site: {page: medians(r) for page, r in by_page.items()}
               for site, by_page in raw.items()}
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    return {
        "machine": {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "load_before": round(load_before, 2),
                    "load_after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
                    "chromium": chromium.strip(), "lighthouse": LIGHTHOUSE_VERSION,
                    "node": subprocess.run(["node", "--version"], capture_output=True,
                                           text=True).stdout.strip()},
        "settings": {"runs": runs, "served": "127.0.0.1 with gzip",
                     "lighthouse": "defaults: mobile, simulated slow 4G, 4x CPU slowdown"},
        "goals": GOALS,
        "pages": results,
        "all_book_pages_meet_goals": all(meets(p) for p in results["book"].values()),
    }


def table(results: dict[str, Any]) -> str:
    """The medians as a plain-text table, the book's pages first, then the anchor's."""
    lines = [f"{'site':6} {'page':28} {'score':>5} {'TBT ms':>7} {'LCP s':>6} {'CLS':>6} "
             f"{'kB':>6}  goals"]
    for site, pages in results["pages"].items():
        for page, m in pages.items():
            ok = "met" if meets(m) else "MISSED"
            lines.append(f"{site:6} {page:28} {m['score']:5.0f} {m['tbt_ms']:7.0f} "
                         f"{m['lcp_ms'] / 1000:6.2f} {m['cls']:6.3f} {m['bytes'] / 1000:6.0f}  "
                         f"{ok if site == 'book' else ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html",
                        help="the built book (default _build/html)")
    parser.add_argument("--runs", type=int, default=3, help="runs per page (default 3)")
    parser.add_argument("--pages", nargs="+", help="only these toc pages (docnames)")
    parser.add_argument("--no-anchor", action="store_true",
                        help="skip the default jupyter-book create book")
    parser.add_argument("--json", type=Path, default=HERE / "pages_results.json",
                        help="write the results here (default benchmarks/pages_results.json)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    if args.pages:
        from book_site import toc_pages

        unknown = sorted(set(args.pages) - set(toc_pages()))
        if unknown:
            parser.error(f"--pages: not pages of _toc.yml: {unknown} (docnames, e.g. "
                         "chapters/jacobian)")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (sudo .ci/install-packages)")
    results = run(args.html.resolve(), args.runs, args.pages, not args.no_anchor)
    print(table(results))
    args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return results


if __name__ == "__main__":
    main()
