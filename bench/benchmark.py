"""How fast is nnlib? One run, one machine, the same data, architecture, initial weights and batches for all.

Trains the book's MLP (784-256-128-10, ReLU, batch 128, plain SGD) on Fashion-MNIST with

1. nnlib in float32 and in float64,
2. a plain NumPy loop written the naive way (float64, one-hot matrices, the explicit softmax Jacobian),
3. PyTorch on the CPU (when installed),
4. scikit-learn's MLPClassifier (SGD, same architecture and batch size),
5. the lower bound: only the matrix multiplications one epoch needs, timed alone,

each in its own subprocess (so peak memory is its own), and reports the median seconds per epoch after a
warm-up epoch, the peak resident memory, and the final test accuracy. Results go to a JSON file with the
machine's description; the last line printed is the ratios the book quotes.

Usage: python bench/benchmark.py [--epochs 3] [--threads 2] [--out bench/results.json]
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
CONFIGS = ["nnlib_f32", "nnlib_f64", "naive_numpy", "torch", "sklearn", "gemm_bound"]
LABELS = {
    "nnlib_f32": "nnlib float32",
    "nnlib_f64": "nnlib float64",
    "naive_numpy": "naive NumPy loop (float64, one-hot, Jacobian)",
    "torch": "PyTorch (CPU)",
    "sklearn": "scikit-learn MLPClassifier",
    "gemm_bound": "GEMM bound (matrix products only)",
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

def run_nnlib(dtype_name, epochs):
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
    model = nnlib.Sequential(*layers)
    loss = nnlib.SoftmaxCrossEntropy()
    opt = nnlib.optim.SGD(model, lr=LR)
    times = []
    for order in batch_orders(len(X), epochs):
        t0 = time.perf_counter()
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            loss.forward(model.forward(X[idx]), y[idx])
            model.backward(loss.backward(), input_grad=False)
            opt.step()
        times.append(time.perf_counter() - t0)
    return times, accuracy(model.forward(Xt), yt)


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
    h = Xt
    for k, (W, b) in enumerate(zip(Ws, bs)):
        h = np.dot(h, W) + b
        h = np.maximum(h, 0) if k < len(Ws) - 1 else h
    return times, accuracy(h, yt)


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


def run_gemm_bound(epochs):
    """Only the matrix products one epoch of this MLP needs, in float32, into preallocated outputs.

    Per batch: 3 forward products (X W), 3 weight gradients (A^T G) and 2 input gradients (G W^T; the first
    layer's input needs none). Everything else a framework does (bias, ReLU, softmax, the update, gathering the
    batch) is overhead on top of this bound.
    """
    import numpy as np

    X, y, Xt, yt = load_data(np.float32)
    Ws = [W.astype(np.float32) for W in initial_weights()[0]]
    n = len(X)
    acts = [np.empty((BATCH, d), np.float32) for d in ARCH]
    grads = [np.empty((BATCH, d), np.float32) for d in ARCH]
    gW = [np.empty_like(W) for W in Ws]
    acts[0][...] = X[:BATCH]
    grads[-1][...] = 1e-3
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for i in range(0, n, BATCH):
            if n - i < BATCH:  # the last, partial batch
                a = [x[: n - i] for x in acts]
                g = [x[: n - i] for x in grads]
            else:
                a, g = acts, grads
            for k, W in enumerate(Ws):
                np.matmul(a[k], W, out=a[k + 1])
            for k in range(len(Ws) - 1, -1, -1):
                np.matmul(a[k].T, g[k + 1], out=gW[k])
                if k > 0:
                    np.matmul(g[k + 1], Ws[k].T, out=g[k])
        times.append(time.perf_counter() - t0)
    return times, None


def child(name, epochs, threads):
    if name == "nnlib_f32":
        times, acc = run_nnlib("float32", epochs)
    elif name == "nnlib_f64":
        times, acc = run_nnlib("float64", epochs)
    elif name == "naive_numpy":
        times, acc = run_naive(epochs)
    elif name == "torch":
        times, acc = run_torch(epochs, threads)
    elif name == "sklearn":
        times, acc = run_sklearn(epochs)
    elif name == "gemm_bound":
        times, acc = run_gemm_bound(epochs)
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
    except ImportError:
        info["torch"] = None
    import sklearn

    info["sklearn"] = sklearn.__version__
    return info


def median(xs):
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs after one warm-up epoch (default 3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS/torch threads (default: all cores)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results.json"))
    ap.add_argument("--only", nargs="*", choices=CONFIGS, help="run only these configurations")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.epochs + 1, args.threads)
        return

    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    results = {}
    for name in args.only or CONFIGS:
        if name == "torch":
            try:
                import torch  # noqa: F401
            except ImportError:
                print("PyTorch is not installed: skipping it (make bench installs torch==2.13.0)")
                continue
        print(f"running {LABELS[name]} ...", flush=True)
        out = subprocess.run([sys.executable, __file__, "--child", name, "--epochs", str(args.epochs),
                              "--threads", str(args.threads)], env=env, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"{name} failed")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        timed = r["epoch_times"][1:]                   # the first epoch is the warm-up
        r.update(median_epoch_s=median(timed), warmup_s=r["epoch_times"][0])
        results[name] = r

    data_mb = (60000 + 10000) * 784 * 4 / 2**20
    report = {"machine": machine_info(args.threads), "arch": list(ARCH), "batch_size": BATCH, "lr": LR,
              "timed_epochs": args.epochs, "float32_dataset_mb": data_mb, "results": results}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)

    print(f"\n{'configuration':48s} {'s/epoch':>8s} {'peak MB':>8s} {'test acc':>9s}")
    for name, r in results.items():
        acc = "-" if r["test_accuracy"] is None else f"{r['test_accuracy']:.4f}"
        print(f"{LABELS[name]:48s} {r['median_epoch_s']:8.3f} {r['peak_rss_mb']:8.0f} {acc:>9s}")
    print(f"(median of {args.epochs} epochs after a warm-up; {args.threads} threads; float32 data set "
          f"{data_mb:.0f} MB; written to {args.out})")
    t = {k: r["median_epoch_s"] for k, r in results.items()}
    ratios = []
    if "nnlib_f32" in t and "torch" in t:
        ratios.append(f"nnlib_f32/torch={t['nnlib_f32'] / t['torch']:.2f}")
    if "nnlib_f32" in t and "gemm_bound" in t:
        ratios.append(f"nnlib_f32/gemm={t['nnlib_f32'] / t['gemm_bound']:.2f}")
    if "nnlib_f32" in t and "sklearn" in t:
        ratios.append(f"sklearn/nnlib_f32={t['sklearn'] / t['nnlib_f32']:.2f}")
    print(" ".join(ratios))


if __name__ == "__main__":
    main()
