"""How fast is nnlib? One run, one machine, the same data, architecture, initial weights and batches for all.

Trains the book's MLP (784-256-128-10, ReLU, batch 128, plain SGD) on Fashion-MNIST with

1. nnlib in float32 and in float64, trained with ``nnlib.Trainer`` and ``nnlib.optim.SGD`` as a reader would,
   and two ablations in float32: the first layer's input gradient computed anyway (``input_grad=True``), and
   the SGD update in two NumPy passes instead of one BLAS axpy (``NNLIB_BLAS=0``, see ``nnlib._blas``),
2. two plain NumPy loops: a hand-tuned one (float32, every array preallocated, everything in place: the yardstick
   for nnlib) and one written the naive way (float64, one-hot matrices, the explicit softmax Jacobian), and two
   variants of the hand-tuned loop that test remedies for the time beyond the products: one that never gathers
   a batch (``numpy_tuned_cached``) and one split over Python threads, a share of every batch each
   (``numpy_threads``),
3. PyTorch on the CPU (when installed),
4. scikit-learn's MLPClassifier (SGD, same architecture and batch size),
5. the lower bound: only the matrix multiplications one epoch needs, timed alone, with NumPy (the bound for
   nnlib, the naive loop and scikit-learn) and with PyTorch (whose BLAS is another one), and NumPy's products
   followed by the SGD update of the weights (the one pass over the parameters every training step makes), once
   as two NumPy passes and once as BLAS's axpy,

each in its own subprocess (so peak memory is its own), and reports the median seconds per epoch after a
warm-up epoch, the peak resident memory, and the final test accuracy. Every configuration uses the same number
of BLAS/OpenMP threads (``--threads``, all cores by default; recorded in the JSON), except ``numpy_threads``,
which runs that many Python threads with one BLAS thread each. Results go to a JSON file
with the machine's description and its load average around each run (timings are only comparable on a quiet
machine: load < 2 on 2 cores). With more than one thread, the configurations of ``SINGLE_THREAD`` are then
measured again with one thread (``"single_thread"`` in the JSON), where the products are slower but the elementwise
work pays no price for them being shared between cores. Last, on each thread count, nnlib's training step is
timed section by section (``run_sections``: the batch gather, each layer forward and backward, the loss, the
accuracy, the update) next to the bound's products layer by layer (``"sections"`` in the JSON). The last line
printed is the ratios the book quotes.

Usage: python bench/benchmark.py [--epochs 3] [--rounds 5] [--threads 2] [--no-single-thread]
       [--only CONFIG ...] [--out bench/results.json]
(`make bench` runs it and copies the JSON into the package, nnlib/bench_results.json, for the book.)
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

ARCH = (784, 256, 128, 10)
BATCH = 128
LR = 0.05
SEED = 0
N_TRAIN, N_TEST = 60_000, 10_000                      # Fashion-MNIST
CONFIGS = ["nnlib_f32", "nnlib_f64", "nnlib_f32_input_grad", "nnlib_f32_numpy_update", "numpy_tuned", "naive_numpy",
           "torch", "sklearn", "gemm_bound", "gemm_bound_torch", "gemm_update", "gemm_axpy", "numpy_tuned_cached",
           "numpy_threads"]
# Rerun with a single BLAS/torch thread: where the elementwise work's share is largest and threads cost nothing.
SINGLE_THREAD = ["nnlib_f32", "nnlib_f32_numpy_update", "numpy_tuned", "torch", "gemm_bound", "gemm_bound_torch",
                 "gemm_update", "gemm_axpy"]
# Environment variables of a configuration's process (read by nnlib at import).
ENV = {"nnlib_f32_numpy_update": {"NNLIB_BLAS": "0"},
       "numpy_threads": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}}
LABELS = {
    "nnlib_f32": "nnlib float32",
    "nnlib_f64": "nnlib float64",
    "nnlib_f32_input_grad": "nnlib float32, first layer's dX computed too",
    "nnlib_f32_numpy_update": "nnlib float32, update in two NumPy passes",
    "numpy_tuned": "hand-tuned NumPy loop (float32, all in place)",
    "naive_numpy": "naive NumPy loop (float64, one-hot, Jacobian)",
    "torch": "PyTorch (CPU)",
    "sklearn": "scikit-learn MLPClassifier",
    "gemm_bound": "GEMM bound: NumPy's matrix products only",
    "gemm_bound_torch": "GEMM bound: PyTorch's matrix products only",
    "gemm_update": "NumPy's products + update in two NumPy passes",
    "gemm_axpy": "NumPy's products + update by BLAS axpy",
    "numpy_tuned_cached": "hand-tuned loop, one batch gathered once",
    "numpy_threads": "hand-tuned loop, a share of each batch per thread",
}


# ----------------------------------------------------------------------------------------------------------------
# Shared set-up: data, initial weights, batch orders. Every configuration computes the same ones from SEED.

def load_data(dtype):
    import numpy as np

    import nnlib

    (X, y), (Xt, yt) = nnlib.data.load_fashion_mnist(flatten=True, dtype=dtype)
    return np.ascontiguousarray(X), y, np.ascontiguousarray(Xt), yt


def initial_weights():
    """He-normal weights and zero biases for every layer, float64, from SEED."""
    import numpy as np

    import nnlib

    rng = np.random.default_rng(SEED)
    Ws = [nnlib.init.he_normal((d, h), rng) for d, h in zip(ARCH[:-1], ARCH[1:])]
    return Ws, [np.zeros(h) for h in ARCH[1:]]


def batch_orders(n, epochs):
    import numpy as np

    rng = np.random.default_rng(SEED + 1)
    return [rng.permutation(n) for _ in range(epochs)]


def accuracy(scores, y):
    import numpy as np

    return float(np.mean(np.argmax(scores, axis=1) == y))


# ----------------------------------------------------------------------------------------------------------------
# The configurations. Each returns (epoch_times, test_accuracy).

def _nnlib_trainer(dtype_name, input_grad=False):
    """The training set and an ``nnlib.Trainer`` for the book's MLP with the shared initial weights, plain SGD and
    the trainer's rng seeded like ``batch_orders`` (so its batches are those of the other configurations)."""
    import numpy as np

    import nnlib

    dtype = np.dtype(dtype_name)
    X, y, Xt, yt = load_data(dtype)
    Ws, bs = initial_weights()
    layers = []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        lin = nnlib.Linear(W.shape[0], W.shape[1], rng=SEED, dtype=dtype)
        lin.params["W"][...] = W
        lin.params["b"][...] = b
        layers += [lin, nnlib.ReLU()] if i < len(Ws) - 1 else [lin]
    model = (_with_input_grad() if input_grad else nnlib.Sequential)(*layers)
    opt = nnlib.optim.SGD(model, lr=LR)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), opt, batch_size=BATCH, rng=SEED + 1)
    return X, y, Xt, yt, trainer


def run_nnlib(dtype_name, epochs, input_grad=False):
    """The loop a reader writes: ``nnlib.Trainer`` with ``nnlib.optim.SGD``, batches drawn by the trainer.

    The trainer's rng is seeded like ``batch_orders`` (one permutation per epoch from ``SEED + 1``), so the
    batches are the same as in the other configurations; its per-epoch ``epoch_time`` is what is reported.
    """
    X, y, Xt, yt, trainer = _nnlib_trainer(dtype_name, input_grad)
    history = trainer.fit(X, y, epochs=epochs)
    _, test_acc = trainer.evaluate(Xt, yt)
    return [float(t) for t in history.epoch_time], test_acc


def _with_input_grad():
    import nnlib

    class WithInputGrad(nnlib.Sequential):
        """Ablation: the Trainer asks for ``input_grad=False``; this model computes ``dX = dY W^T`` anyway."""

        def backward(self, dY, input_grad=True):
            super().backward(dY, input_grad=True)
            return None

    return WithInputGrad


def _tuned_arrays(rows):
    """The hand-tuned loop's arrays for batches of up to ``rows`` rows, allocated once: the batch ``x``, the
    pre-activations ``Z`` (ReLU applied in place), the ReLU masks ``M`` and the hidden layers' gradients ``G``."""
    import numpy as np

    return {"x": np.empty((rows, ARCH[0]), np.float32),
            "Z": [np.empty((rows, h), np.float32) for h in ARCH[1:]],
            "M": [np.empty((rows, h), bool) for h in ARCH[1:-1]],
            "G": [np.empty((rows, h), np.float32) for h in ARCH[1:-1]]}


def _tuned_gradients(X, y, idx, scale, Ws, bs, gWs, gbs, arrays, gather=True):
    """Forward and backward pass of the hand-tuned loop on the rows ``idx`` of ``(X, y)``: writes into ``gWs`` and
    ``gbs`` the gradients of the rows' summed loss times ``scale`` (1 / the batch size, so that the gradients of
    the parts of a batch add up to the batch's), and returns the summed loss. The rows are gathered into
    ``arrays["x"]``, unless ``gather`` is False: then the rows already there are used (only the labels are those
    of ``idx``)."""
    import numpy as np

    b, L = len(idx), len(Ws)
    x = arrays["x"][:b]
    Z, M, G = ([part[:b] for part in arrays[key]] for key in "ZMG")
    if gather:
        np.take(X, idx, axis=0, out=x, mode="clip")
    yb = y[idx]
    a = x
    for k in range(L):
        np.matmul(a, Ws[k], out=Z[k])
        Z[k] += bs[k]
        if k < L - 1:
            np.greater(Z[k], 0, out=M[k])
            np.maximum(Z[k], 0, out=Z[k])
        a = Z[k]
    zt = Z[-1].T.copy()                     # logits as (C, B): reductions over the first axis are fast
    zt -= zt.max(axis=0)
    at = yb * b + np.arange(b)              # flat positions of (y_n, n)
    picked = zt.ravel()[at]
    np.exp(zt, out=zt)
    s = zt.sum(axis=0)
    loss = float((np.log(s) - picked).sum())
    zt /= s                                 # softmax, then dL/dz = (P - Y) * scale in place
    zt.ravel()[at] -= 1
    zt *= np.float32(scale)
    g = zt.T
    for k in range(L - 1, -1, -1):
        np.matmul((Z[k - 1] if k else x).T, g, out=gWs[k])
        np.sum(g, axis=0, out=gbs[k])
        if k:
            np.matmul(g, Ws[k].T, out=G[k - 1])
            np.multiply(G[k - 1], M[k - 1], out=G[k - 1])
            g = G[k - 1]
    return loss


def _tuned_start():
    """The float32 data, initial weights and biases, and gradient arrays like them, for the hand-tuned loops."""
    import numpy as np

    X, y, Xt, yt = load_data(np.float32)
    Ws, bs = initial_weights()
    Ws, bs = [W.astype(np.float32) for W in Ws], [b.astype(np.float32) for b in bs]
    return X, y, Xt, yt, Ws, bs, [np.empty_like(W) for W in Ws], [np.empty_like(b) for b in bs]


def _test_accuracy(Ws, bs, Xt, yt):
    """Test accuracy of the MLP with weights ``Ws`` and biases ``bs`` (ReLU between layers) on ``(Xt, yt)``."""
    import numpy as np

    h = Xt
    for k in range(len(Ws)):
        h = h @ Ws[k] + bs[k]
        h = np.maximum(h, 0) if k < len(Ws) - 1 else h
    return accuracy(h, yt)


def run_numpy_tuned(epochs, gather=True):
    """The fastest plain NumPy loop we could write, as a yardstick for nnlib: no layers, no checks, no allocations.

    float32; the batch gathered with ``np.take`` into a buffer; every product and elementwise operation written
    with ``out=`` into arrays allocated once; the fused softmax cross-entropy computed on the transposed (C, B)
    logits, as nnlib does; SGD in place through one scratch array per parameter. What nnlib's general, checked
    layers cost on top of it is the price of their generality.

    With ``gather=False`` (configuration ``numpy_tuned_cached``) the images of the first batch are gathered once
    and every step trains on them, with the labels of its own batch: the same work minus gathering the batch,
    which measures everything the gather costs, including the products' fetching of rows that one core has just
    written. That model learns nothing, so no test accuracy is reported.
    """
    import numpy as np

    X, y, Xt, yt, Ws, bs, gWs, gbs = _tuned_start()
    params, grads = Ws + bs, gWs + gbs
    scratch = [np.empty_like(p) for p in params]
    arrays = _tuned_arrays(BATCH)
    n, lr = len(X), np.float32(LR)
    orders = batch_orders(n, epochs)
    if not gather:
        np.take(X, orders[0][:BATCH], axis=0, out=arrays["x"])
    times = []
    for order in orders:
        t0 = time.perf_counter()
        total = 0.0
        for i in range(0, n, BATCH):
            idx = order[i:i + BATCH]
            total += _tuned_gradients(X, y, idx, 1 / len(idx), Ws, bs, gWs, gbs, arrays, gather)
            for p, gp, s in zip(params, grads, scratch):
                np.multiply(gp, lr, out=s)
                p -= s
        times.append(time.perf_counter() - t0)
    return times, _test_accuracy(Ws, bs, Xt, yt) if gather else None


def run_numpy_threads(epochs, workers):
    """The hand-tuned loop split over ``workers`` Python threads, with one BLAS thread each (data parallelism).

    The obvious way to run the elementwise work on every core too: each thread takes its share of the rows of
    every batch and computes the gradients of its rows into arrays of its own (``_tuned_gradients``, with the
    whole batch's 1 / B); after a barrier, each thread updates its share of the rows of every parameter with the
    sum of all the threads' gradients, and a second barrier ends the step. NumPy releases the GIL inside its
    products and its loops over large arrays, so the threads can run at the same time, but the Python between
    the calls takes turns. ``ENV`` makes BLAS single-threaded in this configuration's process.
    """
    import threading

    import numpy as np

    X, y, Xt, yt, Ws, bs, _, _ = _tuned_start()
    params = Ws + bs
    n, lr = len(X), np.float32(LR)
    orders = batch_orders(n, epochs)
    share = -(-BATCH // workers)
    own = [{"grads": [np.empty_like(p) for p in params], "scratch": [np.empty_like(p) for p in params],
            "arrays": _tuned_arrays(share)} for _ in range(workers)]
    barrier = threading.Barrier(workers, timeout=60)      # a failed thread aborts it, so none waits forever
    times, errors = [], []

    def work(w):
        grads, scratch, arrays = own[w]["grads"], own[w]["scratch"], own[w]["arrays"]
        try:
            for order in orders:
                barrier.wait()
                t0 = time.perf_counter()
                for i in range(0, n, BATCH):
                    idx = order[i:i + BATCH]
                    lo, hi = len(idx) * w // workers, len(idx) * (w + 1) // workers
                    _tuned_gradients(X, y, idx[lo:hi], 1 / len(idx), Ws, bs, grads[:len(Ws)], grads[len(Ws):],
                                     arrays)
                    barrier.wait()                         # every thread's gradients are ready
                    for j, p in enumerate(params):
                        r0, r1 = len(p) * w // workers, len(p) * (w + 1) // workers
                        s = scratch[j][r0:r1]
                        first, *rest = [other["grads"][j][r0:r1] for other in own]
                        np.add(first, rest[0], out=s) if rest else np.copyto(s, first)
                        for more in rest[1:]:
                            s += more
                        s *= lr
                        p[r0:r1] -= s
                    barrier.wait()                         # every parameter is updated
                if w == 0:
                    times.append(time.perf_counter() - t0)
        except BaseException as exc:                       # noqa: BLE001 - re-raised by the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    return times, _test_accuracy(Ws, bs, Xt, yt)


def run_naive(epochs):
    """How a first from-scratch implementation typically looks: correct, float64, and wasteful."""
    import numpy as np

    X, y, Xt, yt = load_data(np.float64)
    Ws, bs = initial_weights()
    Y = np.eye(10)[y]                                   # one-hot matrix for the whole training set
    times = []
    for order in batch_orders(len(X), epochs):
        t0 = time.perf_counter()
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            x, t = X[idx], Y[idx]
            acts = [x]
            for k, (W, b) in enumerate(zip(Ws, bs)):
                z = np.dot(acts[-1], W) + b
                acts.append(np.maximum(z, 0) if k < len(Ws) - 1 else z)
            e = np.exp(acts[-1] - acts[-1].max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            dp = -t / (p + 1e-12) / len(x)                # separate cross-entropy on probabilities
            J = np.einsum("ni,ij->nij", p, np.eye(10)) - np.einsum("ni,nj->nij", p, p)
            g = np.einsum("nj,nji->ni", dp, J)          # through the explicit softmax Jacobian
            for k in range(len(Ws) - 1, -1, -1):
                gW, gb = np.dot(acts[k].T, g), g.sum(axis=0)
                if k > 0:
                    g = np.dot(g, Ws[k].T) * (acts[k] > 0)
                Ws[k] = Ws[k] - LR * gW
                bs[k] = bs[k] - LR * gb
        times.append(time.perf_counter() - t0)
    return times, _test_accuracy(Ws, bs, Xt, yt)


def run_torch(epochs, threads):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    X, y, Xt, yt = load_data(np.float32)
    Ws, bs = initial_weights()
    mods = []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        lin = torch.nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.astype(np.float32)))
            lin.bias.copy_(torch.from_numpy(b.astype(np.float32)))
        mods += [lin, torch.nn.ReLU()] if i < len(Ws) - 1 else [lin]
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xg, yg = torch.from_numpy(X), torch.from_numpy(y)
    times = []
    for order in batch_orders(len(X), epochs):
        order = torch.from_numpy(order)
        t0 = time.perf_counter()
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            loss = torch.nn.functional.cross_entropy(model(Xg[idx]), yg[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        scores = model(torch.from_numpy(Xt)).numpy()
    return times, accuracy(scores, yt)


def run_sklearn(epochs):
    import warnings

    import numpy as np
    from sklearn.neural_network import MLPClassifier

    X, y, Xt, yt = load_data(np.float32)
    clf = MLPClassifier(hidden_layer_sizes=ARCH[1:-1], activation="relu", solver="sgd", batch_size=BATCH,
                        learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                        shuffle=True, random_state=SEED)
    times = []
    classes = np.arange(10)
    for _ in range(epochs):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(X, y, classes=classes)      # one pass over the data
        times.append(time.perf_counter() - t0)
    return times, float(clf.score(Xt, yt))


def _batch_views(acts, grads, rows):
    """The first ``rows`` rows of every preallocated activation and gradient buffer (all of them for a full batch;
    the last batch of an epoch is partial). Works for NumPy arrays and torch tensors alike."""
    if rows == BATCH:
        return acts, grads
    return [x[:rows] for x in acts], [x[:rows] for x in grads]


def _products(a, g, Ws, gW, mm, lap=None):
    """One batch's matrix products, into the preallocated outputs: ``Z = X W`` per layer, then from the last
    layer back ``dW = X^T dZ`` and (except for the first layer) ``dX = dZ W^T``. ``mm`` is ``np.matmul`` or
    ``torch.mm``: both bounds run exactly these products. ``lap(key)``, if given, is called after each layer's
    forward product (key ``"fwd1"``, ...) and after its backward products (``"bwd1"``, ...), to time them."""
    for k, W in enumerate(Ws):
        mm(a[k], W, out=a[k + 1])
        if lap:
            lap(f"fwd{k + 1}")
    for k in range(len(Ws) - 1, -1, -1):
        mm(a[k].T, g[k + 1], out=gW[k])
        if k > 0:
            mm(g[k + 1], Ws[k].T, out=g[k])
        if lap:
            lap(f"bwd{k + 1}")


def _bound_arrays(X):
    """The NumPy bound's float32 weights and its arrays allocated once: every layer's activations and gradients
    for a batch (the input filled with the first batch of ``X``, the output gradient with a constant) and the
    weight gradients. Returns ``(Ws, acts, grads, gW)``."""
    import numpy as np

    Ws = [W.astype(np.float32) for W in initial_weights()[0]]
    acts = [np.empty((BATCH, d), np.float32) for d in ARCH]
    grads = [np.empty((BATCH, d), np.float32) for d in ARCH]
    gW = [np.empty_like(W) for W in Ws]
    acts[0][...] = X[:BATCH]
    grads[-1][...] = 1e-3
    return Ws, acts, grads, gW


def run_gemm_bound(epochs, update=None):
    """Only the matrix products one epoch of this MLP needs, in float32, into preallocated outputs.

    Per batch: 3 forward products (X W), 3 weight gradients (A^T G) and 2 input gradients (G W^T; the first
    layer's input needs none). Everything else a framework does (bias, ReLU, softmax, the update, gathering the
    batch) is overhead on top of this bound. With ``update`` every weight matrix is also updated in place after
    the products, as SGD does: the products plus the one pass over the parameters that any training step makes.
    ``update="numpy"`` (configuration ``gemm_update``) takes two NumPy passes, ``np.multiply(gW, lr,
    out=scratch)`` then ``W -= scratch``; ``update="blas"`` (``gemm_axpy``) one call of ``nnlib._blas.axpy``, as
    nnlib's SGD does.
    """
    import numpy as np

    from nnlib._blas import axpy

    X = load_data(np.float32)[0]
    Ws, acts, grads, gW = _bound_arrays(X)
    n = len(X)
    scratch = [np.empty_like(W) for W in Ws]
    lr = np.float32(1e-6)                            # tiny, so that the weights barely move: the products stay alike
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for i in range(0, n, BATCH):
            a, g = _batch_views(acts, grads, min(BATCH, n - i))
            _products(a, g, Ws, gW, np.matmul)
            if update == "numpy":
                for W, G, S in zip(Ws, gW, scratch):
                    np.multiply(G, lr, out=S)
                    W -= S
            elif update == "blas":
                for W, G, S in zip(Ws, gW, scratch):
                    axpy(-lr, G, W, S)
        times.append(time.perf_counter() - t0)
    return times, None


def run_gemm_bound_torch(epochs, threads):
    """The same products as :func:`run_gemm_bound`, computed by PyTorch (its BLAS, not NumPy's)."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    X, y, Xt, yt = load_data(np.float32)
    Ws = [torch.from_numpy(W.astype(np.float32)) for W in initial_weights()[0]]
    n = len(X)
    acts = [torch.empty((BATCH, d)) for d in ARCH]
    grads = [torch.empty((BATCH, d)) for d in ARCH]
    gW = [torch.empty_like(W) for W in Ws]
    acts[0].copy_(torch.from_numpy(X[:BATCH]))
    grads[-1].fill_(1e-3)
    times = []
    with torch.no_grad():
        for _ in range(epochs):
            t0 = time.perf_counter()
            for i in range(0, n, BATCH):
                a, g = _batch_views(acts, grads, min(BATCH, n - i))
                _products(a, g, Ws, gW, torch.mm)
            times.append(time.perf_counter() - t0)
    return times, None


# ----------------------------------------------------------------------------------------------------------------
# Where the time goes: a training step of nnlib and the GEMM bound's products, timed section by section.

def _section_keys():
    """[(key, label)] of the sections of an nnlib training step of the benchmark's MLP, in the order
    ``Trainer.fit`` runs them: ``fwd<l>``/``bwd<l>`` for the l-th Linear layer (the keys of the bound's products
    too), ``relu<l>``/``relu<l>_bwd`` for the ReLU after it."""
    n = len(ARCH) - 1
    forward, backward = [], []
    for l in range(1, n + 1):
        forward.append((f"fwd{l}", f"layer {l}: X W + b"))
        backward.insert(0, (f"bwd{l}", f"layer {l} backward: dW, db" + (", dX" if l > 1 else "")))
        if l < n:
            forward.append((f"relu{l}", f"layer {l}: ReLU"))
            backward.insert(0, (f"relu{l}_bwd", f"layer {l}: ReLU backward"))
    return ([("gather", "gather the batch")] + forward
            + [("loss", "loss, with its checks and the divergence guard"), ("accuracy", "training accuracy"),
               ("loss_bwd", "loss backward: (P - Y) / B")] + backward + [("step", "SGD step")])


def _per_batch_medians(per_epoch, n_batches):
    """{key: median over epochs of the epoch's total nanoseconds / n_batches, in microseconds}."""
    return {key: median([ep[key] for ep in per_epoch]) / n_batches / 1e3 for key in per_epoch[0]}


def run_sections(epochs):
    """Where nnlib's training step spends its time, section by section, next to the GEMM bound's products.

    The timed loop makes the calls of ``Trainer.fit``'s loop body one by one (each layer's forward, the trainer's
    guarded loss and accuracy, the loss backward, each layer's backward with the first layer's input gradient
    skipped, the optimizer step), with a clock read between them; a second trainer then trains with ``fit`` itself
    for the same epochs, and the parameters must come out bit-identical, so the timed loop cannot drift from the
    real one. The bound's products are timed per layer (``_products(..., lap=...)``). Returns ``{"nnlib": {key:
    microseconds per batch}, "gemm": {key: microseconds per batch}}``, medians over the epochs after the first;
    the keys are those of ``_section_keys``.
    """
    import numpy as np

    import nnlib
    from nnlib.trainer import _correct

    X, y, _, _, trainer = _nnlib_trainer("float32")
    layers, loss, opt = trainer.model.layers, trainer.loss, trainer.optimizer
    keys = [key for key, _ in _section_keys()]
    first = next(i for i, layer in enumerate(layers) if layer.params)      # its input needs no gradient
    clock = time.perf_counter_ns
    per_epoch, total, t, pos = [], {}, 0, 0

    def lap():                                  # the time since the last lap goes to the next section in order
        nonlocal t, pos
        now = clock()
        total[keys[pos]] += now - t
        t, pos = now, pos + 1

    for epoch in range(1, epochs + 1):
        total = dict.fromkeys(keys, 0)
        n_batches = 0
        t = clock()
        for b, (X_b, y_b) in enumerate(nnlib.data.batches(X, y, trainer.batch_size, trainer.rng,
                                                          trainer.drop_last)):
            pos = 0
            lap()                                                           # gather
            a = X_b
            for layer in layers:
                a = layer.forward(a)
                lap()
            trainer._loss(a, y_b, epoch, b + 1)
            lap()
            _correct(a, y_b)
            lap()
            g = loss.backward()
            lap()
            for i in range(len(layers) - 1, -1, -1):
                g = layers[i].backward(g, input_grad=False) if i == first else layers[i].backward(g)
                lap()
            opt.step()
            trainer.steps_taken += 1
            lap()
            n_batches += 1
        per_epoch.append(total)
    X, y, _, _, check = _nnlib_trainer("float32")
    check.fit(X, y, epochs=epochs)
    for key, p in trainer.model.params.items():
        assert np.array_equal(p, check.model.params[key]), f"the timed loop left {key} unlike Trainer.fit does"
    nnlib_us = _per_batch_medians(per_epoch[1:], n_batches)

    Ws, acts, grads, gW = _bound_arrays(X)
    per_epoch = []

    def lap_product(key):
        nonlocal t
        now = clock()
        total[key] = total.get(key, 0) + now - t
        t = now

    for _ in range(epochs):
        total = {}
        for i in range(0, len(X), BATCH):
            a, g = _batch_views(acts, grads, min(BATCH, len(X) - i))
            t = clock()
            _products(a, g, Ws, gW, np.matmul, lap_product)
        per_epoch.append(total)
    return {"nnlib": nnlib_us, "gemm": _per_batch_medians(per_epoch[1:], n_batches)}


def measure_sections(epochs, rounds, threads):
    """``run_sections`` in ``rounds`` fresh processes on ``threads`` threads; the median of each section."""
    runs = []
    for rnd in range(rounds):
        print(f"round {rnd + 1}/{rounds}, {threads} thread(s): the training step section by section ...", flush=True)
        runs.append(run_child("sections", epochs, threads))
    return {part: {key: median([r[part][key] for r in runs]) for key in runs[0][part]} for part in ("nnlib", "gemm")}


def child(name, epochs, threads):
    if name == "sections":
        print(json.dumps(run_sections(epochs)))
        return
    if name == "nnlib_f32":
        times, acc = run_nnlib("float32", epochs)
    elif name == "nnlib_f64":
        times, acc = run_nnlib("float64", epochs)
    elif name == "nnlib_f32_input_grad":
        times, acc = run_nnlib("float32", epochs, input_grad=True)
    elif name == "nnlib_f32_numpy_update":                  # NNLIB_BLAS=0 is set by run_child (ENV)
        times, acc = run_nnlib("float32", epochs)
    elif name == "numpy_tuned":
        times, acc = run_numpy_tuned(epochs)
    elif name == "numpy_tuned_cached":
        times, acc = run_numpy_tuned(epochs, gather=False)
    elif name == "numpy_threads":                           # one BLAS thread each: ENV
        times, acc = run_numpy_threads(epochs, threads)
    elif name == "naive_numpy":
        times, acc = run_naive(epochs)
    elif name == "torch":
        times, acc = run_torch(epochs, threads)
    elif name == "sklearn":
        times, acc = run_sklearn(epochs)
    elif name == "gemm_bound":
        times, acc = run_gemm_bound(epochs)
    elif name == "gemm_bound_torch":
        times, acc = run_gemm_bound_torch(epochs, threads)
    elif name == "gemm_update":
        times, acc = run_gemm_bound(epochs, update="numpy")
    elif name == "gemm_axpy":
        times, acc = run_gemm_bound(epochs, update="blas")
    else:
        raise SystemExit(f"unknown configuration {name!r}")
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"epoch_times": times, "test_accuracy": acc, "peak_rss_mb": peak_mb}))


# ----------------------------------------------------------------------------------------------------------------

def machine_info(threads):
    import numpy as np

    info = {
        "python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "threads": threads,
    }
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        import threadpoolctl

        info["blas"] = [f"{p['internal_api']} {p['version']}" for p in threadpoolctl.threadpool_info()
                        if p["user_api"] == "blas"]
    except ImportError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "not MKL"
    except ImportError:
        info["torch"] = info["torch_blas"] = None
    import sklearn

    import nnlib._blas

    info["sklearn"] = sklearn.__version__
    info["nnlib_blas_axpy"] = list(nnlib._blas.available())   # dtypes whose update is one BLAS call
    return info


def median(xs):
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_child(name, epochs, threads):
    """One configuration in a fresh subprocess; returns its JSON record (epoch times include the warm-up)."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env.pop("NNLIB_BLAS", None)
    env.update(ENV.get(name, {}))
    out = subprocess.run([sys.executable, __file__, "--child", name, "--epochs", str(epochs),
                          "--threads", str(threads)], env=env, capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"{name} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(names, epochs, rounds, threads):
    """Every configuration of ``names`` ``rounds`` times, interleaved, on ``threads`` threads: the results dict."""
    results = {name: {"label": LABELS[name], "epoch_times": [], "warmup_s": [], "peak_rss_mb": 0.0, "load_before": []}
               for name in names}
    for rnd in range(rounds):
        for name in names:
            load = os.getloadavg()[0]
            print(f"round {rnd + 1}/{rounds}, {threads} thread(s): {LABELS[name]} (load {load:.1f}) ...", flush=True)
            r, rec = run_child(name, epochs, threads), results[name]
            rec["epoch_times"] += r["epoch_times"][1:]        # the first epoch of each run is the warm-up
            rec["warmup_s"].append(r["epoch_times"][0])
            rec["peak_rss_mb"] = max(rec["peak_rss_mb"], r["peak_rss_mb"])
            rec["test_accuracy"] = r["test_accuracy"]          # the same in every round (same seeds)
            rec["load_before"].append(load)
    for rec in results.values():
        rec["median_epoch_s"] = median(rec["epoch_times"])
    return results


def ratio_line(results, data_mb):
    """The line of ratios the book quotes, from a results dict."""
    t = {k: r["median_epoch_s"] for k, r in results.items()}
    ratios = []
    if "nnlib_f32" in t and "torch" in t:
        ratios.append(f"nnlib_f32/torch={t['nnlib_f32'] / t['torch']:.2f}")
    if "nnlib_f32" in t and "gemm_bound" in t:
        ratios.append(f"nnlib_f32/gemm={t['nnlib_f32'] / t['gemm_bound']:.2f}")
    if "nnlib_f32" in t and "sklearn" in t:
        ratios.append(f"sklearn/nnlib_f32={t['sklearn'] / t['nnlib_f32']:.2f}")
    if "nnlib_f32" in results:
        ratios.append(f"peak_mem_f32/data={results['nnlib_f32']['peak_rss_mb'] / data_mb:.2f}")
    return " ".join(ratios)


def print_table(results, threads):
    print(f"\n{threads} thread(s)")
    print(f"{'configuration':48s} {'s/epoch':>8s} {'peak MB':>8s} {'test acc':>9s}")
    for name, r in results.items():
        acc = "-" if r["test_accuracy"] is None else f"{r['test_accuracy']:.4f}"
        print(f"{LABELS[name]:48s} {r['median_epoch_s']:8.3f} {r['peak_rss_mb']:8.0f} {acc:>9s}")


def print_sections(sections):
    counts = list(sections["by_threads"])
    print("\nmicroseconds per batch: nnlib's step section by section / the GEMM bound's products, on "
          + " and ".join(f"{n} thread(s)" for n in counts))
    for key, label in sections["labels"].items():
        cells = []
        for n in counts:
            part = sections["by_threads"][n]
            gemm = part["gemm"].get(key)
            cells.append(f"{part['nnlib'][key]:7.1f} / " + (f"{gemm:6.1f}" if gemm is not None else "     -"))
        print(f"{label:48s} " + "   ".join(cells))
    for n in counts:
        part = sections["by_threads"][n]
        print(f"{n} thread(s): sum {sum(part['nnlib'].values()):.0f} us per batch, products alone "
              f"{sum(part['gemm'].values()):.0f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs after one warm-up epoch (default 3)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="run every configuration this many times, interleaved, so that a burst of load from "
                         "elsewhere hits all of them alike; the median is over all timed epochs (default 5)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS/torch threads (default: all cores)")
    ap.add_argument("--no-single-thread", action="store_true",
                    help="skip the second measurement with one thread (made when --threads is more than 1)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results.json"))
    ap.add_argument("--only", nargs="*", choices=CONFIGS, help="run only these configurations")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.epochs + 1, args.threads)
        return

    names = list(args.only or CONFIGS)
    if not have_torch():
        print("PyTorch is not installed: skipping it (make bench installs torch==2.13.0)")
        names = [name for name in names if name not in ("torch", "gemm_bound_torch")]
    load_start = os.getloadavg()[0]
    if load_start > 2:
        print(f"warning: load average {load_start:.1f}; timings are only comparable on a quiet machine (< 2)")
    results = measure(names, args.epochs, args.rounds, args.threads)
    single = None
    if args.threads > 1 and not args.no_single_thread:
        single_names = [name for name in SINGLE_THREAD if name in names]
        single = {"threads": 1, "results": measure(single_names, args.epochs, args.rounds, 1)}

    sections = None
    if "nnlib_f32" in names and "gemm_bound" in names:
        counts = [args.threads] + ([1] if single else [])
        sections = {"labels": dict(_section_keys()),
                    "by_threads": {str(n): measure_sections(args.epochs, args.rounds, n) for n in counts}}

    data_mb = (N_TRAIN + N_TEST) * ARCH[0] * 4 / 2**20
    report = {"machine": machine_info(args.threads), "arch": list(ARCH), "n_train": N_TRAIN, "batch_size": BATCH,
              "lr": LR, "timed_epochs": args.epochs, "rounds": args.rounds, "float32_dataset_mb": data_mb,
              "load_average": {"start": load_start, "end": os.getloadavg()[0]}, "results": results,
              "single_thread": single, "sections": sections}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    print_table(results, args.threads)
    if single:
        print_table(single["results"], 1)
    print(f"(median of {args.rounds} x {args.epochs} epochs, each run after a warm-up epoch; load average "
          f"{load_start:.1f} -> {report['load_average']['end']:.1f}; float32 data set {data_mb:.0f} MB; "
          f"written to {args.out})")
    if sections:
        print_sections(sections)
    if single:
        print(f"1 thread: {ratio_line(single['results'], data_mb)}")
    print(ratio_line(results, data_mb))      # the last line: all threads, the default


if __name__ == "__main__":
    main()
