"""benchmarks/: bench_jacobian.py's JSON (one --quick run; JAX where installed: .venv-bench)
names every contender, each agreeing with ours; no timing is checked."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
import urllib.request
from unittest.mock import Mock

import numpy as np
import pytest
from book_site import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.own_build]

SCRIPT = ROOT / "benchmarks" / "bench_jacobian.py"
HAS_JAX = importlib.util.find_spec("jax") is not None

NUMPY = ["jacobian", "floor", "full_jacobian", "numerical_jacobian", "source_loop",
         "reference_numerical", "reference_jacobian", "vjp", "reference_vjp",
         "build_then_contract"]
JAX = ["jax_jvp_rows", "jax_jacfwd", "jax_jacrev", "jax_vmap_jacrev", "jax_vmap_grad",
       "jax_vjp"]
KEYS = {"label", "group", "backend", "ours", "skipped", "repeats", "median_s", "times_s",
        "ratio_to_ours", "first_call_s", "peak_bytes", "peak_method", "check"}
TARGETS = {"jacobian_over_best_jax", "jacobian_over_floor", "vjp_over_jax_vjp",
           "contract_over_vjp", "source_loop_over_numerical"}
# How far each result may be from ours, relative to the largest entry of ours:
# the same arithmetic (reordered sums at most), or central differences with
# eps = 1e-6 (truncation ~1e-12, round-off ~1e-10).
REL_TOL = {"full_jacobian": 0.0, "build_then_contract": 1e-12, "numerical_jacobian": 1e-8,
           "source_loop": 1e-8, "reference_numerical": 1e-8, "reference_jacobian": 1e-13,
           "reference_vjp": 1e-12, **dict.fromkeys(JAX, 1e-12)}


def load_script(name: str, monkeypatch: pytest.MonkeyPatch):
    """benchmarks/<name>.py as a module (registered: dataclasses look it up)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """The script's table (stdout) and its JSON."""
    out = tmp_path_factory.mktemp("bench") / "results.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "small", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout, json.loads(out.read_text())


def test_the_json_names_every_contender_each_agreeing_with_ours(quick_run):
    table, results = quick_run
    assert {"date_utc", "cpu", "numpy", "python"} <= set(results["machine"])
    small = results["sizes"]["small"]
    assert (small["N"], small["D"], small["K"]) == (100, 2, 3)
    assert set(small["targets"]) == TARGETS
    cs = small["contenders"]
    assert set(cs) == set(NUMPY + JAX)
    assert "median ms" in table
    for name, c in cs.items():
        assert KEYS <= set(c) and c["label"] in table, name
        if name in JAX and not HAS_JAX:  # CI uses requirements.txt only
            assert c["skipped"] and "jax is not installed" in c["skipped"], name
            continue
        assert c["skipped"] is None and c["median_s"] > 0, name
        check = c["check"]
        if name in REL_TOL:
            assert 0 < check["scale"], name
            assert check["max_abs_diff"] <= REL_TOL[name] * check["scale"], (name, check)
    for name in NUMPY:
        c = cs[name]
        assert c["repeats"] >= 3 and len(c["times_s"]) == c["repeats"]
        assert c["peak_method"] == "tracemalloc peak", name
    for ours, ref in (("jacobian", "reference_jacobian"), ("vjp", "reference_vjp"),
                      ("numerical_jacobian", "reference_numerical")):
        assert cs[ours]["ratio_to_ours"] == 1.0
        assert cs[ref]["ours"] == ours and "reference" in cs[ref]["label"]
        assert cs[ref]["ratio_to_ours"] > 0
    # The Jacobian itself is 100 * 3 * 3 doubles: a peak below that is a wrong measurement.
    assert cs["jacobian"]["peak_bytes"] >= 8 * 100 * 3 * 3


def test_ours_calls_the_fast_twin_and_the_reference_the_plain_one(monkeypatch):
    bench = load_script("bench_jacobian", monkeypatch)
    fast, plain = Mock(), Mock()
    monkeypatch.setattr(bench.tbf.TanhBasis, "jacobian", fast)
    monkeypatch.setattr(bench.tb.TanhBasis, "jacobian", plain)
    X, W = np.zeros((3, 2)), np.ones((3, 4))
    contenders = {c.name: c for c in bench.numpy_contenders(X, W, np.ones((3, 4)), 0.0)}
    contenders["jacobian"].fn()
    assert (fast.call_count, plain.call_count) == (1, 0)
    contenders["reference_jacobian"].fn()
    assert (fast.call_count, plain.call_count) == (1, 1)


def test_source_loop_agrees_with_our_numerical_jacobians_and_leaves_W_alone(monkeypatch):
    import source_loop

    import tanh_basis as tb

    rng = np.random.default_rng(3)
    X, W = rng.normal(size=(6, 3)), rng.normal(size=(4, 5))
    before = W.copy()
    forward = Mock(wraps=source_loop.forward)
    monkeypatch.setattr(source_loop, "forward", forward)
    NJ = source_loop.source_loop_jacobian(X, W)
    np.testing.assert_array_equal(W, before)
    assert forward.call_count == 2 * W.size  # the cost it stands for: 2P full passes
    # The fast twin's numerical_jacobian equals this bit for bit: test_tanh_basis_fast.compare.
    np.testing.assert_allclose(NJ, tb.TanhBasis(W).numerical_jacobian(X), rtol=0, atol=1e-9)


def test_bench_pages_serves_gzip_and_refuses_bad_arguments(tmp_path, capsys, monkeypatch):
    bench = load_script("bench_pages", monkeypatch)
    (tmp_path / "index.html").write_text("<p>" + "math " * 1000 + "</p>", encoding="utf-8")
    (tmp_path / "fig.png").write_bytes(b"\x89PNG not really")
    with bench.serve_gzip(tmp_path) as url:
        def get(path: str, accept: str) -> tuple[str | None, bytes]:
            request = urllib.request.Request(f"{url}/{path}", headers={"Accept-Encoding": accept})
            with urllib.request.urlopen(request) as response:
                return response.headers.get("Content-Encoding"), response.read()

        encoding, body = get("index.html", "gzip, deflate")
        assert encoding == "gzip" and len(body) < 200
        assert gzip.decompress(body) == (tmp_path / "index.html").read_bytes()
        assert get("index.html", "identity") == (None, (tmp_path / "index.html").read_bytes())
        assert get("fig.png", "gzip") == (None, b"\x89PNG not really")
    with pytest.raises(SystemExit):
        bench.main(["--runs", "0", "--html", str(tmp_path)])
    assert "--runs must be at least 1, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--pages", "chapters/nosuchpage"])
    assert "not pages of _toc.yml: ['chapters/nosuchpage']" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no HTML there"), bench.serve_gzip(tmp_path / "x"):
        pass
