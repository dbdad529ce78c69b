"""Time the chapter's Jacobian engines against JAX, the source's method and the floor.

"Ours" is the engineered twin, ``code/tanh_basis_fast.py``; the readable
reference, ``code/tanh_basis.py``, runs beside it (the ``reference_*``
contenders), so the ratios show what the twin's tricks buy.

Run from the repository root, in either environment::

    .venv/bin/python benchmarks/bench_jacobian.py                  # numpy only
    .venv-bench/bin/python benchmarks/bench_jacobian.py --json benchmarks/results.json

(``.venv-bench`` is ``.venv``'s requirements plus ``benchmarks/requirements.txt``,
which adds JAX; without JAX its contenders are listed as skipped.)

Method
------
* Every contender is called once first (excluded: it compiles JAX functions
  and, for numpy, is the call that measures peak memory with ``tracemalloc``).
* Then the contenders take turns: in each round every one is timed once, in
  a freshly shuffled order, so that slow drifts of the shared machine, and
  whatever the previous call left behind (JAX's worker threads, a cold
  cache), hit all of them alike. A fast call is repeated within its sample
  until the sample lasts at least 5 ms (the time per call is reported).
  Slow contenders (the source's loop) run in fewer, evenly spread rounds.
* A ratio is the median over the rounds of ``time(contender) / time(ours)``
  measured in the same round (ours: ``jacobian``, ``vjp`` or
  ``numerical_jacobian``, by group). Times are medians.
* JAX runs on the CPU in float64, jit-compiled, with ``block_until_ready``.
  Its memory is XLA's own account of the compiled function (output plus
  temporary buffers, ``Compiled.memory_analysis()``); numpy's is the
  ``tracemalloc`` peak of one call (output plus temporaries). Inputs are
  excluded in both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `code` is a standard-library module name, so code/ itself goes on the path.
for _p in (ROOT / "code", HERE):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from source_loop import forward, source_loop_jacobian  # noqa: E402

import tanh_basis as tb  # noqa: E402
import tanh_basis_fast as tbf  # noqa: E402

try:  # JAX is optional: benchmarks/requirements.txt, in .venv-bench only.
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:  # pragma: no cover - depends on the environment
    jax = None
    jnp = None

SIZES: dict[str, tuple[int, int, int]] = {
    "small": (100, 2, 3),
    "medium": (10_000, 10, 50),
    "large": (100_000, 10, 50),
}
#: Which contender is "ours" in each group; ratios are taken against it.
OURS = {"jacobian": "jacobian", "vjp": "vjp", "numerical": "numerical_jacobian"}
#: The source's loop (and the reference's one-at-a-time differences, which cost
#: the same) are skipped where one call is predicted to take longer.
SOURCE_LOOP_LIMIT_S = 60.0
SLIDER_JSON = HERE / "slider_results.json"
#: A timed sample repeats a fast call until it lasts this long, as timeit does:
#: a lone call of a few microseconds measures the wake-up of an idle core.
SAMPLE_S = 0.005
JAX_MISSING = "jax is not installed (pip install -r benchmarks/requirements.txt)"


@dataclass
class Contender:
    """One way of computing one of the derivatives, ready to be called."""

    name: str
    label: str
    group: str  # "jacobian", "vjp" or "numerical"
    backend: str  # "numpy" or "jax"
    fn: Callable[[], Any] | None
    memory_bytes: int = 0  # the largest array it must hold, to check it fits
    skipped: str | None = None
    result: Any = None
    first_call_s: float | None = None
    peak_bytes: int | None = None
    peak_method: str | None = None
    compiled: Callable[[], Any] | None = None  # JAX: the AOT-compiled function
    loops: int = 1  # calls per timed sample, so that a sample lasts >= SAMPLE_S
    times: dict[int, float] = field(default_factory=dict)


# ------------------------------------------------------------------ machine
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _meminfo_bytes(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cache_sizes() -> dict[str, str]:
    caches: dict[str, str] = {}
    base = Path("/sys/devices/system/cpu/cpu0/cache")
    for index in sorted(base.glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        name = f"L{level}" + ("d" if kind == "Data" else "i" if kind == "Instruction" else "")
        caches[name] = size
    return caches


def machine_info() -> dict[str, Any]:
    """The machine, the versions and the date, for RESULTS.md and the page."""
    blas = {}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:
        pass
    info: dict[str, Any] = {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "caches": _cache_sizes(),
        "memory_total_gb": round((_meminfo_bytes("MemTotal") or 0) / 1e9, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "jax": getattr(jax, "__version__", None),
        "jaxlib": None,
        "environment": {
            k: os.environ[k]
            for k in sorted(os.environ)
            if k.startswith(("OPENBLAS", "OMP_", "MKL_", "XLA_", "JAX_"))
        },
        "load_average_start": list(os.getloadavg()),
    }
    if jax is not None:
        import jaxlib

        info["jaxlib"] = jaxlib.__version__
    return info


# -------------------------------------------------------------- contenders
def floor_fn(basis: tbf.TanhBasis, X: np.ndarray) -> Callable[[], np.ndarray]:
    """``transform`` plus one pass writing a fresh array of the Jacobian's size.

    A compact Jacobian has to evaluate one transcendental function per
    ``(n, k)``, as ``transform`` does, and write ``N (D+1) K`` numbers into new
    memory. The write here is ``fill``, a memset-like loop: no pass that
    writes that much fresh memory is cheaper.
    """
    N, D = X.shape

    def floor() -> np.ndarray:
        basis.transform(X)
        out = np.empty((N, D + 1, basis.K))
        out.fill(1.0)
        return out

    return floor


def numpy_contenders(
    X: np.ndarray, W: np.ndarray, G: np.ndarray, source_loop_s: float
) -> list[Contender]:
    """The fast twin's methods, the readable reference's, the floor, the source's loop."""
    N, D = X.shape
    K = W.shape[1]
    basis = tbf.TanhBasis(W)
    reference = tb.TanhBasis(W)
    compact = 8 * N * (D + 1) * K
    dense = 8 * N * K * (D + 1) * K

    def contract() -> np.ndarray:
        return np.einsum("nk,ndk->dk", G, basis.jacobian(X))

    loop = Contender("source_loop", "source loop per (d, k)", "numerical", "numpy",
                     lambda: source_loop_jacobian(X, W), compact)
    ref_numerical = Contender("reference_numerical", "numerical_jacobian (reference)",
                              "numerical", "numpy", lambda: reference.numerical_jacobian(X),
                              compact)
    if source_loop_s > SOURCE_LOOP_LIMIT_S:
        for slow in (loop, ref_numerical):
            slow.skipped = f"one call would take about {source_loop_s:.0f} s (> 1 min)"
    return [
        Contender("jacobian", "jacobian (ours)", "jacobian", "numpy",
                  lambda: basis.jacobian(X), compact),
        Contender("floor", "floor: transform + write", "jacobian", "numpy",
                  floor_fn(basis, X), compact),
        Contender("full_jacobian", "full_jacobian (dense)", "jacobian", "numpy",
                  lambda: basis.full_jacobian(X), dense + compact),
        Contender("numerical_jacobian", "numerical_jacobian (ours)", "numerical", "numpy",
                  lambda: basis.numerical_jacobian(X), compact),
        loop,
        ref_numerical,
        Contender("reference_jacobian", "jacobian (reference)", "jacobian", "numpy",
                  lambda: reference.jacobian(X), compact),
        Contender("vjp", "vjp (ours)", "vjp", "numpy", lambda: basis.vjp(X, G), 8 * N * K),
        Contender("reference_vjp", "vjp (reference)", "vjp", "numpy",
                  lambda: reference.vjp(X, G), 8 * N * K),
        Contender("build_then_contract", "jacobian, then contract", "vjp", "numpy",
                  contract, compact),
    ]


JAX_NAMES = [
    ("jax_jacfwd", "JAX jacfwd (dense)", "jacobian"),
    ("jax_jacrev", "JAX jacrev (dense)", "jacobian"),
    ("jax_vmap_jacrev", "JAX vmap(jacrev) over n", "jacobian"),
    ("jax_vmap_grad", "JAX vmap(grad sum_k) over n", "jacobian"),
    ("jax_jvp_rows", "JAX jvp per row d, all K", "jacobian"),
    ("jax_vjp", "JAX vjp", "vjp"),
]


def jax_contenders(X: np.ndarray, W: np.ndarray, G: np.ndarray) -> list[Contender]:
    """JAX's ways to the same compact Jacobian ``J[n, d, k]`` and to the vjp."""
    N, D = X.shape
    K = W.shape[1]
    compact = 8 * N * (D + 1) * K
    dense = 8 * N * K * (D + 1) * K
    if jax is None:
        return [Contender(n, lab, grp, "jax", None, skipped=JAX_MISSING)
                for n, lab, grp in JAX_NAMES]

    Xj, Wj, Gj = (jax.device_put(a) for a in (X, W, G))

    def phi(W: jax.Array, X: jax.Array) -> jax.Array:
        return jnp.tanh(X @ W[:-1] + W[-1])

    def units_diagonal(F: jax.Array) -> jax.Array:
        # F[n, k, d, l] = d phi[n, k] / d W[d, l] is 0 unless l == k.
        return jnp.diagonal(F, axis1=1, axis2=3)  # (N, D+1, K)

    def jacfwd(W, X):
        return units_diagonal(jax.jacfwd(phi)(W, X))

    def jacrev(W, X):
        return units_diagonal(jax.jacrev(phi)(W, X))

    def vmap_jacrev(W, X):
        per_sample = jax.vmap(jax.jacrev(phi), in_axes=(None, 0))(W, X[:, None, :])
        return units_diagonal(per_sample[:, 0])

    def vmap_grad(W, X):
        # Unit k depends on column k of W only, so the gradient of the sum
        # over units of one sample is that sample's compact Jacobian.
        return jax.vmap(jax.grad(lambda W, x: phi(W, x).sum()), in_axes=(None, 0))(W, X)

    def jvp_rows(W, X):
        # One tangent per row d of W, all K units at once (the tangent is 1
        # on the whole row): D+1 forward-mode passes give every J[:, d, :].
        _, push = jax.linearize(lambda W: phi(W, X), W)
        tangents = jnp.broadcast_to(jnp.eye(W.shape[0])[:, :, None], (W.shape[0], *W.shape))
        return jnp.moveaxis(jax.vmap(push)(tangents), 0, 1)

    def vjp(W, X, G):
        return jax.vjp(lambda W: phi(W, X), W)[1](G)[0]

    specs = {
        "jax_jacfwd": (jacfwd, (Wj, Xj), dense + compact),
        # Reverse mode pulls back one basis cotangent per output: XLA builds
        # that (N K) x (N K) identity, which is what limits jacrev's size.
        "jax_jacrev": (jacrev, (Wj, Xj), 8 * (N * K) ** 2 + dense),
        "jax_vmap_jacrev": (vmap_jacrev, (Wj, Xj), 8 * N * K * (D + 1) * K + compact),
        "jax_vmap_grad": (vmap_grad, (Wj, Xj), compact),
        "jax_jvp_rows": (jvp_rows, (Wj, Xj), compact),
        "jax_vjp": (vjp, (Wj, Xj, Gj), 8 * N * K),
    }
    out = []
    for name, label, group in JAX_NAMES:
        f, args, nbytes = specs[name]
        jitted = jax.jit(f)
        c = Contender(name, label, group, "jax",
                      (lambda j=jitted, a=args: j(*a).block_until_ready()), nbytes,
                      compiled=lambda j=jitted, a=args: j.lower(*a).compile())
        c.peak_method = "XLA memory_analysis: output + temp"
        out.append(c)
    return out


# ------------------------------------------------------------------ timing
def first_call(c: Contender) -> None:
    """The untimed first call: compiles (JAX) or measures peak memory (numpy)."""
    gc.collect()
    if c.backend == "numpy":
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        c.result = c.fn()
        c.first_call_s = time.perf_counter() - t0
        c.peak_bytes = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        c.peak_method = "tracemalloc peak"
    else:
        t0 = time.perf_counter()
        c.result = np.asarray(c.fn())
        c.first_call_s = time.perf_counter() - t0
        stats = c.compiled().memory_analysis()
        c.peak_bytes = int(stats.output_size_in_bytes + stats.temp_size_in_bytes)
    # A second, plain call calibrates how many calls make one timed sample
    # (not needed after a numpy call that was long enough by itself).
    if c.backend == "numpy" and c.first_call_s > SAMPLE_S:
        return
    t0 = time.perf_counter()
    c.fn()
    c.loops = max(1, int(SAMPLE_S / max(time.perf_counter() - t0, 1e-7)))


def time_interleaved(cs: list[Contender], repeats: int, budget_s: float) -> None:
    """Rounds of one call per contender, rotating the order; slow ones less often."""
    plan = {}
    for c in cs:
        n = max(3, min(repeats, int(budget_s / max(c.first_call_s or 0.0, 1e-9))))
        n = min(n, repeats)
        plan[c.name] = (n, max(1, round(repeats / n)))
    shuffle = np.random.default_rng(2026)
    for r in range(repeats):
        gc.collect()
        for i in shuffle.permutation(len(cs)):
            c = cs[i]
            n, stride = plan[c.name]
            if r % stride or len(c.times) >= n:
                continue
            t0 = time.perf_counter()
            for _ in range(c.loops):
                c.fn()
            c.times[r] = (time.perf_counter() - t0) / c.loops


def paired_ratio(c: Contender, ref: Contender) -> float | None:
    """Median over shared rounds of time(c) / time(ref)."""
    rounds = sorted(set(c.times) & set(ref.times))
    if not rounds:
        return None
    return float(np.median([c.times[r] / ref.times[r] for r in rounds]))


# ----------------------------------------------------------------- checks
def agreement(cs: dict[str, Contender], X: np.ndarray) -> dict[str, dict[str, float]]:
    """How far each result is from ours, against the scale of ours.

    ``max_abs_diff / scale`` is what the CI test bounds: ~1e-16 for the same
    arithmetic, ~1e-10 for central differences with eps = 1e-6.
    """
    checks: dict[str, dict[str, float]] = {}

    def put(name: str, ref_name: str, value: np.ndarray) -> None:
        ref = cs[ref_name].result
        checks[name] = {
            "reference": ref_name,
            "max_abs_diff": float(np.max(np.abs(value - ref), initial=0.0)),
            "scale": float(np.max(np.abs(ref), initial=0.0)),
        }

    J = cs["jacobian"].result
    for name, c in cs.items():
        if c.result is None or name in ("jacobian", "vjp"):
            continue
        if name == "floor":
            continue  # it writes Phi, not J: only its speed counts
        if name == "full_jacobian":
            N, D1, K = J.shape
            blocks = np.einsum("nkdk->ndk", c.result.reshape(N, K, D1, K))
            put(name, "jacobian", blocks)
        elif c.group == "vjp":
            put(name, "vjp", np.asarray(c.result))
        else:
            put(name, "jacobian", np.asarray(c.result))
    return checks


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_size(
    size: str, repeats: int, budget_s: float, memory_limit: int, seed: int = 0
) -> dict[str, Any]:
    """Measure every contender at one size; return the JSON-ready record."""
    N, D, K = SIZES[size]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    # Slopes of size 1/sqrt(D+1) keep z = O(1): the units are neither all
    # linear nor all saturated.
    W = rng.standard_normal((D + 1, K)) / math.sqrt(D + 1)
    G = rng.standard_normal((N, K))

    # The source's loop makes 2 P forward passes; predict it from the median
    # of a few passes (after one to warm up) before deciding to run it.
    forward(X, W)
    transform_s = float(np.median([_timed(lambda: forward(X, W)) for _ in range(7)]))
    source_loop_s = 2 * (D + 1) * K * transform_s

    cs = numpy_contenders(X, W, G, source_loop_s) + jax_contenders(X, W, G)
    for c in cs:
        if c.skipped is None and c.memory_bytes > memory_limit:
            c.skipped = (f"needs about {c.memory_bytes / 1e9:.1f} GB, more than the "
                         f"{memory_limit / 1e9:.1f} GB allowed (half the available memory)")
    live = [c for c in cs if c.skipped is None]
    load_start = list(os.getloadavg())
    for c in live:
        first_call(c)
    time_interleaved(live, repeats, budget_s)

    by_name = {c.name: c for c in cs}
    checks = agreement(by_name, X)
    record: dict[str, Any] = {"N": N, "D": D, "K": K, "P": (D + 1) * K,
                              "compact_J_bytes": 8 * N * (D + 1) * K,
                              "dense_J_bytes": 8 * N * K * (D + 1) * K,
                              # The machine is shared: how busy it was, 1-min average.
                              "load_average": [load_start[0], os.getloadavg()[0]],
                              "source_loop_predicted_s": source_loop_s,
                              "contenders": {}}
    for c in cs:
        ref = by_name[OURS[c.group]]
        times = [c.times[r] for r in sorted(c.times)]
        record["contenders"][c.name] = {
            "label": c.label,
            "group": c.group,
            "backend": c.backend,
            "ours": OURS[c.group],
            "skipped": c.skipped,
            "repeats": len(times),
            "calls_per_sample": c.loops,
            "median_s": float(np.median(times)) if times else None,
            "min_s": float(np.min(times)) if times else None,
            "times_s": times,
            "ratio_to_ours": paired_ratio(c, ref) if times and ref.times else None,
            "first_call_s": c.first_call_s,
            "peak_bytes": c.peak_bytes,
            "peak_method": c.peak_method,
            "check": checks.get(c.name),
        }
        c.result = None  # free the big arrays before the next size
    record["targets"] = targets(record)
    return record


def targets(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The issue's targets as ratios measured in this run (paired medians)."""
    cs = record["contenders"]

    def ratio(a: str, b: str) -> float | None:
        # time(a) / time(b), both relative to the same "ours" in each round.
        ra, rb = cs[a]["ratio_to_ours"], cs[b]["ratio_to_ours"]
        return None if ra is None or rb is None else ra / rb

    jax_compact = [n for n, c in cs.items()
                   if c["backend"] == "jax" and c["group"] == "jacobian" and c["median_s"]]
    best_jax = min(jax_compact, key=lambda n: cs[n]["median_s"]) if jax_compact else None
    out = {
        "jacobian_over_best_jax": {"value": ratio("jacobian", best_jax) if best_jax else None,
                                   "limit": 1.0, "kind": "max", "versus": best_jax},
        "jacobian_over_floor": {"value": ratio("jacobian", "floor"), "limit": 1.3, "kind": "max"},
        "vjp_over_jax_vjp": {"value": ratio("vjp", "jax_vjp"), "limit": 2.5, "kind": "max"},
        "contract_over_vjp": {"value": ratio("build_then_contract", "vjp"), "limit": 10.0,
                              "kind": "min"},
        "source_loop_over_numerical": {"value": ratio("source_loop", "numerical_jacobian"),
                                       "limit": 40.0, "kind": "min"},
    }
    for t in out.values():
        v = t["value"]
        if v is None:
            t["met"] = None
        else:
            t["met"] = v <= t["limit"] if t["kind"] == "max" else v >= t["limit"]
    return out


# ------------------------------------------------------------------ output
def slider_result() -> dict[str, Any] | None:
    """The interactive figure's own measurement (bench_slider.py), when it exists."""
    if not SLIDER_JSON.exists():
        return None
    try:
        raw = json.loads(SLIDER_JSON.read_text())
        return {key: raw.get(key) for key in
                ("ratio_worst_median", "target_ratio", "meets_target", "date_utc", "quick")}
    except (OSError, ValueError, AttributeError):
        return None


def _fmt_bytes(b: int | None) -> str:
    if b is None:
        return "-"
    if b < 1e6:
        return f"{b / 1e6:.3f}"
    return f"{b / 1e6:.1f}" if b < 1e9 else f"{b / 1e9:.2f} GB"


def print_table(results: dict[str, Any]) -> None:
    """One table per size: median time, paired ratio to ours, peak memory."""
    for size, rec in results["sizes"].items():
        print(f"\n== {size}: N={rec['N']}, D={rec['D']}, K={rec['K']} "
              f"(compact J {_fmt_bytes(rec['compact_J_bytes'])} MB) ==")
        print(f"{'contender':30s} {'median ms':>10s} {'x ours':>8s} {'vs':>18s} "
              f"{'peak MB':>9s} {'runs':>4s}")
        for c in rec["contenders"].values():
            if c["skipped"]:
                print(f"{c['label']:30s} skipped: {c['skipped']}")
                continue
            ratio = "-" if c["ratio_to_ours"] is None else f"{c['ratio_to_ours']:.2f}"
            print(f"{c['label']:30s} {c['median_s'] * 1e3:10.3f} {ratio:>8s} {c['ours']:>18s} "
                  f"{_fmt_bytes(c['peak_bytes']):>9s} {c['repeats']:4d}")
        print("targets (set for the medium size):")
        for name, t in rec["targets"].items():
            v = "n/a" if t["value"] is None else f"{t['value']:.2f}"
            sign = "<=" if t["kind"] == "max" else ">="
            met = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
            print(f"  {name:30s} {v:>7s} (target {sign} {t['limit']}) {met}")
    slider = results.get("slider")
    if slider is None:
        print("\nslider step / naive redraw: not available "
              "(benchmarks/slider_results.json is missing)")
    else:
        print(f"\nslider step / naive redraw (bench_slider.py, {slider['date_utc']}): "
              f"{slider['ratio_worst_median']:.3f} (target <= {slider['target_ratio']})")


def markdown_tables(results: dict[str, Any]) -> str:
    """The same numbers as :func:`print_table`, as Markdown for RESULTS.md."""
    lines = []
    for size, rec in results["sizes"].items():
        lines += [f"### {size}: N = {rec['N']:,}, D = {rec['D']}, K = {rec['K']} "
                  f"(compact J {rec['compact_J_bytes'] / 1e6:.1f} MB, "
                  f"dense {rec['dense_J_bytes'] / 1e9:.2f} GB)", "",
                  "| contender | median (ms) | min (ms) | x ours (paired median) | ours | "
                  "peak memory (MB) | runs |",
                  "|---|---:|---:|---:|---|---:|---:|"]
        for c in rec["contenders"].values():
            if c["skipped"]:
                lines.append(f"| {c['label']} | skipped: {c['skipped']} | | | | | |")
                continue
            ratio = "-" if c["ratio_to_ours"] is None else f"{c['ratio_to_ours']:.2f}"
            peak = "-" if c["peak_bytes"] is None else f"{c['peak_bytes'] / 1e6:.2f}"
            lines.append(f"| {c['label']} | {c['median_s'] * 1e3:.3f} | {c['min_s'] * 1e3:.3f} "
                         f"| {ratio} | {c['ours']} | {peak} | {c['repeats']} |")
        lines += ["", "| target | measured | limit | met |", "|---|---:|---|---|"]
        for name, t in rec["targets"].items():
            v = "n/a" if t["value"] is None else f"{t['value']:.2f}"
            sign = "<=" if t["kind"] == "max" else ">="
            met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
            lines.append(f"| {name} | {v} | {sign} {t['limit']:g} | {met} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=None,
                        help="comma-separated, from small, medium, large "
                             "(default: small,medium,large; with --quick: small)")
    parser.add_argument("--quick", action="store_true",
                        help="few repeats and a short budget: checks that everything runs")
    parser.add_argument("--repeats", type=int, default=None,
                        help="rounds of interleaved calls (default 31; 3 with --quick)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds per contender and size before it runs fewer rounds "
                             "(default 20; 1 with --quick)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="also write the tables as Markdown (for RESULTS.md)")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="do not measure: print (and --markdown) an earlier --json file")
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        print_table(results)
        if args.markdown:
            args.markdown.write_text(markdown_tables(results))
        return results

    sizes = (args.sizes or ("small" if args.quick else "small,medium,large")).split(",")
    for s in sizes:
        if s not in SIZES:
            parser.error(f"unknown size {s!r}; choose from {', '.join(SIZES)}")
    repeats = args.repeats or (3 if args.quick else 31)
    budget = args.budget if args.budget is not None else (1.0 if args.quick else 20.0)

    results: dict[str, Any] = {"machine": machine_info(), "command": " ".join(sys.argv),
                               "repeats": repeats, "budget_s": budget, "sizes": {}}
    if jax is None:
        print(f"note: {JAX_MISSING}; JAX contenders are skipped", file=sys.stderr)
    for size in sizes:
        available = _meminfo_bytes("MemAvailable") or 8 * 10**9
        results["sizes"][size] = run_size(size, repeats, budget, available // 2)
    results["machine"]["load_average_end"] = list(os.getloadavg())
    results["slider"] = slider_result()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
        print(f"\nwrote {args.json}")
    if args.markdown:
        args.markdown.write_text(markdown_tables(results))
    return results


if __name__ == "__main__":
    main()
