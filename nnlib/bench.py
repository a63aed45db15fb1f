"""The numbers of the appendix "How fast is nnlib?": the recorded benchmark report and the FLOP count of an epoch.

``make bench`` runs ``bench/benchmark.py`` (the book's MLP trained on Fashion-MNIST by nnlib in float32 and
float64, a naive NumPy loop, PyTorch, scikit-learn, and the matrix products alone, each in its own subprocess)
and copies its JSON report into the package as ``nnlib/bench_results.json``. The chapter reads that copy with
:func:`nnlib.bench.load_results`, so it shows the same numbers from any directory, and it never times anything itself.
"""

import json
from importlib import resources
from pathlib import Path

from ._checks import check_positive_int

__all__ = ["RESULTS_FILE", "load_results", "epoch_flops"]

#: File name of the benchmark report inside the package (written by ``make bench``).
RESULTS_FILE = "bench_results.json"


def load_results(path=None):
    """Return the benchmark report recorded by ``make bench``, as a dict.

    Args:
        path: a JSON report written by ``bench/benchmark.py``; None (the default) reads the copy in the package.

    Returns:
        A dict with the run's settings (``"arch"``, ``"batch_size"``, ``"lr"``, ``"timed_epochs"``, ``"rounds"``),
        the ``"machine"`` (CPU, cores, threads, library versions), its ``"load_average"``, the size of the float32
        data set in MiB (``"float32_dataset_mb"``) and ``"results"``: configuration name (``"nnlib_f32"``,
        ``"torch"``, ``"gemm_bound"``, ...) -> ``{"median_epoch_s", "epoch_times", "peak_rss_mb",
        "test_accuracy", ...}``, seconds per epoch, peak resident memory in MiB and final test accuracy (None for
        the configurations whose model learns nothing: the GEMM bounds and ``"numpy_tuned_cached"``);
        ``"single_thread"``: ``{"threads": 1, "results": ...}``, the main configurations measured again with one
        thread (None if the run itself used one thread); and
        ``"sections"``: ``{"labels": {key: label}, "by_threads": {"2": {"nnlib": {key: us}, "gemm": {key: us}},
        "1": ...}}``, nnlib's training step timed section by section and the bound's products per layer, in
        microseconds per batch (keys ``"gather"``, ``"fwd1"``, ``"relu1"``, ..., ``"bwd1"``, ``"step"``).

    Raises:
        FileNotFoundError: there is no report; the message says how to make one.
    """
    if path is None:
        source = resources.files("nnlib") / RESULTS_FILE
        where = f"nnlib/{RESULTS_FILE}"
    else:
        source = Path(path)
        where = str(path)
    if not source.is_file():
        raise FileNotFoundError(
            f"load_results: no benchmark report at {where}. Run `make bench` in the book's repository (it writes "
            "bench/results.json and copies it into the package), or pass the path of a report."
        )
    report = json.loads(source.read_text(encoding="utf-8"))
    missing = {"arch", "batch_size", "results"} - set(report)
    if missing:
        raise ValueError(f"load_results: {where} is not a report of bench/benchmark.py (missing {sorted(missing)}).")
    return report


def epoch_flops(arch, n, input_grad=False):
    """Floating-point operations of the matrix products in one epoch of an MLP with layer sizes ``arch``.

    A product of an (N, D) and a (D, H) matrix takes ``2 N D H`` flops (a multiply and an add per term). Each
    layer with D inputs and H outputs needs three such products per batch: ``Z = X W`` (forward),
    ``dW = X^T dZ`` and ``dX = dZ W^T``; the first layer's ``dX`` is skipped unless ``input_grad`` is True (the
    data need no gradient). Over an epoch the batches add up to N rows, so the batch size drops out::

        flops = 2 N sum_l D_l H_l (3 - [l = 1 and not input_grad])

    Args:
        arch: layer sizes ``(D, H_1, ..., C)``, e.g. ``(784, 256, 128, 10)``.
        n: N, the number of training examples.
        input_grad: count the first layer's input gradient too.

    Returns:
        The number of flops, an int.
    """
    sizes = [check_positive_int(s, "arch entries", "epoch_flops") for s in arch]
    if len(sizes) < 2:
        raise ValueError(f"epoch_flops: arch needs at least an input and an output size, got {arch!r}.")
    n = check_positive_int(n, "n", "epoch_flops")
    total = 0
    for layer, (d, h) in enumerate(zip(sizes[:-1], sizes[1:])):
        products = 3 if (layer > 0 or input_grad) else 2
        total += products * 2 * n * d * h
    return total
