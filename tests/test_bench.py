"""nnlib.bench: the FLOP count of an epoch, and the recorded benchmark report the appendix reads."""

import json
import pathlib

import pytest

import nnlib.bench
from nnlib.bench import epoch_flops, load_results

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARCH = (784, 256, 128, 10)


def _count_by_batches(arch, n, batch, input_grad):
    """Flops of the products the benchmark's GEMM bound runs, batch by batch (the last batch may be short)."""
    total = 0
    for start in range(0, n, batch):
        b = min(batch, n - start)
        for layer, (d, h) in enumerate(zip(arch[:-1], arch[1:])):
            total += 2 * b * d * h                      # Z = X W
            total += 2 * d * b * h                      # dW = X^T dZ
            if layer > 0 or input_grad:
                total += 2 * b * h * d                  # dX = dZ W^T
    return total


@pytest.mark.parametrize("input_grad", [False, True])
@pytest.mark.parametrize("arch, n, batch", [(ARCH, 60_000, 128), ((64, 32, 10), 1347, 50), ((5, 3), 7, 2)])
def test_epoch_flops_equals_the_count_batch_by_batch(arch, n, batch, input_grad):
    assert epoch_flops(arch, n, input_grad=input_grad) == _count_by_batches(arch, n, batch, input_grad)


def test_epoch_flops_of_the_book_mlp():
    # 2 N (3 (784*256 + 256*128 + 128*10) - 784*256) = 2 * 60000 * 503552
    assert epoch_flops(ARCH, 60_000) == 60_426_240_000
    assert epoch_flops(ARCH, 60_000, input_grad=True) - epoch_flops(ARCH, 60_000) == 2 * 60_000 * 784 * 256


@pytest.mark.parametrize("arch, n, exc, message", [
    ((784,), 10, ValueError, r"at least an input and an output size"),
    ((784, 2.5), 10, TypeError, r"arch entries must be a positive int"),
    ((784, 10), 0, ValueError, r"n must be >= 1"),
])
def test_epoch_flops_rejects_bad_arguments(arch, n, exc, message):
    with pytest.raises(exc, match=message):
        epoch_flops(arch, n)


def test_the_package_report_is_a_complete_benchmark_run():
    report = load_results()
    assert tuple(report["arch"]) == ARCH and report["batch_size"] == 128
    results = report["results"]
    needed = {"nnlib_f32", "nnlib_f64", "nnlib_f32_input_grad", "nnlib_f32_numpy_update", "numpy_tuned",
              "naive_numpy", "torch", "sklearn", "gemm_bound", "gemm_bound_torch", "gemm_update", "gemm_axpy",
              "numpy_tuned_cached", "numpy_threads"}
    assert needed <= set(results), f"missing configurations: {sorted(needed - set(results))}"
    single = report["single_thread"]                   # the same run repeated with one thread
    assert single["threads"] == 1 and report["machine"]["threads"] > 1
    assert {"nnlib_f32", "nnlib_f32_numpy_update", "numpy_tuned", "torch", "gemm_bound", "gemm_bound_torch",
            "gemm_update", "gemm_axpy"} <= set(single["results"])
    assert report["machine"]["nnlib_blas_axpy"] == ["float32", "float64"]   # nnlib's update was the BLAS one
    for r in single["results"].values():
        assert r["median_epoch_s"] > 0 and len(r["epoch_times"]) == report["timed_epochs"] * report["rounds"]
    for name, r in results.items():
        assert r["median_epoch_s"] > 0 and r["peak_rss_mb"] > 0, name
        assert len(r["epoch_times"]) == report["timed_epochs"] * report["rounds"], name
    assert results["gemm_bound"]["test_accuracy"] is None and results["gemm_bound_torch"]["test_accuracy"] is None
    assert results["nnlib_f32"]["test_accuracy"] > 0.8
    assert report["machine"]["threads"] >= 1


def test_the_package_report_is_the_one_in_bench():
    """`make bench` copies bench/results.json into the package; the two must not drift apart."""
    committed = ROOT / "bench" / "results.json"
    packaged = ROOT / "nnlib" / nnlib.bench.RESULTS_FILE
    assert committed.is_file() and packaged.is_file(), "run `make bench`"
    assert json.loads(committed.read_text()) == json.loads(packaged.read_text()), (
        "nnlib/bench_results.json differs from bench/results.json: run `make bench` (or copy the file)"
    )


def test_load_results_says_how_to_make_a_missing_report(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no benchmark report.*make bench"):
        load_results(tmp_path / "nothing.json")


def test_load_results_rejects_a_file_that_is_not_a_report(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match=r"not a report of bench/benchmark.py.*arch"):
        load_results(path)


def test_the_package_report_times_the_step_section_by_section():
    """The appendix's table of where a step's time goes: every section of nnlib's step and every product of the
    bound, on both thread counts, adding up to the epochs measured in the same run."""
    report = load_results()
    sections, threads = report["sections"], report["machine"]["threads"]
    keys = list(sections["labels"])
    assert keys[0] == "gather" and keys[-1] == "step" and {"fwd1", "bwd1", "loss", "accuracy"} <= set(keys)
    runs = {str(threads): report["results"], "1": report["single_thread"]["results"]}
    assert set(sections["by_threads"]) == set(runs)
    batches = -(-report["n_train"] // report["batch_size"])
    for n, part in sections["by_threads"].items():
        assert list(part["nnlib"]) == keys and all(us > 0 for us in part["nnlib"].values()), n
        assert set(part["gemm"]) == {k for k in keys if k[:3] in ("fwd", "bwd")}, n
        # The clock reads cost little: the sections add up to the epochs timed without them (noise: 20%).
        for name, part_name in (("nnlib_f32", "nnlib"), ("gemm_bound", "gemm")):
            epoch_us = runs[n][name]["median_epoch_s"] / batches * 1e6
            assert 0.8 < sum(part[part_name].values()) / epoch_us < 1.2, (n, name)


def _benchmark_module():
    """bench/benchmark.py, imported by path (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("benchmark", ROOT / "bench" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hand_tuned_step_computes_nnlibs_gradients_and_its_shares_add_up():
    """The benchmark's hand-tuned loops are yardsticks only if they train the same model: the gradients of their
    step must be nnlib's, and those of a batch split between threads must add up to the whole batch's."""
    import numpy as np

    import nnlib

    bm = _benchmark_module()
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, ARCH[0])).astype(np.float32)
    y = rng.integers(0, ARCH[-1], 40)
    Ws = [nnlib.init.he_normal((d, h), rng, np.float32) for d, h in zip(ARCH[:-1], ARCH[1:])]
    bs = [rng.standard_normal(h).astype(np.float32) * np.float32(0.1) for h in ARCH[1:]]
    idx = rng.permutation(40)[:12]

    def gradients(rows, gather=True, arrays=None):
        gWs, gbs = [np.empty_like(W) for W in Ws], [np.empty_like(b) for b in bs]
        arrays = arrays if arrays is not None else bm._tuned_arrays(12)
        loss = bm._tuned_gradients(X, y, rows, 1 / len(idx), Ws, bs, gWs, gbs, arrays, gather)
        return loss, gWs + gbs

    layers = []
    for k, (W, b) in enumerate(zip(Ws, bs)):
        lin = nnlib.Linear(*W.shape, rng=0, dtype=np.float32)
        lin.params["W"][...], lin.params["b"][...] = W, b
        layers += [lin, nnlib.ReLU()] if k < len(Ws) - 1 else [lin]
    model, ce = nnlib.Sequential(*layers), nnlib.SoftmaxCrossEntropy()
    expected_loss = ce.forward(model.forward(X[idx]), y[idx])
    model.backward(ce.backward())
    expected = [model.grads[f"{2 * k}.W"] for k in range(len(Ws))] + [model.grads[f"{2 * k}.b"] for k in range(len(bs))]

    loss, whole = gradients(idx)
    assert loss / len(idx) == pytest.approx(float(expected_loss), rel=1e-5)
    for got, want in zip(whole, expected):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    (loss_a, part_a), (loss_b, part_b) = gradients(idx[:5]), gradients(idx[5:])
    assert loss_a + loss_b == pytest.approx(loss, rel=1e-5)
    for a, b, w in zip(part_a, part_b, whole):
        np.testing.assert_allclose(a + b, w, rtol=1e-4, atol=1e-6)
    # gather=False trains on the rows already in the batch array: the same gradients as gathering them.
    arrays = bm._tuned_arrays(12)
    arrays["x"][...] = X[idx]
    for got, want in zip(gradients(idx, gather=False, arrays=arrays)[1], whole):
        np.testing.assert_array_equal(got, want)
