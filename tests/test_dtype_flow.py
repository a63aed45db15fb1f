"""float32 stays float32, and a training step allocates nothing larger than a batch's activations.

The fast path of the book (appendix "How fast is nnlib?") relies on two properties that no gradient check sees:

- no silent upcasting: a float32 input gives float32 outputs, caches, input gradients, parameter gradients and
  optimizer state in every layer, loss and optimizer (one float64 constant in the wrong place would make NumPy
  promote whole arrays, doubling memory traffic);
- no large temporaries: once the optimizer's buffers exist, a step of forward, loss, backward and update allocates
  only arrays the size of the batch's activations, never one the size of a weight matrix, and it does not compute
  the first layer's input gradient (``input_grad=False``).
"""

import tracemalloc

import numpy as np
import pytest

import nnlib
from nnlib.optim import SGD, Adam, AdamW

F32 = np.dtype(np.float32)


def _arrays(obj):
    """Every ndarray directly inside ``obj`` (an array, or a tuple/list/dict of them), e.g. a layer's cache."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [a for item in obj for a in _arrays(item)]
    if isinstance(obj, dict):
        return [a for item in obj.values() for a in _arrays(item)]
    return []


def _float_dtypes(obj):
    """The dtypes of the floating-point arrays in ``obj`` (integer labels and boolean masks are not data)."""
    return {a.dtype for a in _arrays(obj) if a.dtype.kind == "f"}


LAYERS = [
    ("Linear", lambda rng: nnlib.Linear(6, 4, rng=rng, dtype=F32)),
    ("ReLU", lambda rng: nnlib.ReLU()),
    ("LeakyReLU", lambda rng: nnlib.LeakyReLU(0.1)),
    ("ELU", lambda rng: nnlib.ELU(0.5)),
    ("Sigmoid", lambda rng: nnlib.Sigmoid()),
    ("Tanh", lambda rng: nnlib.Tanh()),
    ("Softmax", lambda rng: nnlib.Softmax()),
]


@pytest.mark.parametrize("name, make", LAYERS, ids=[name for name, _ in LAYERS])
def test_every_layer_keeps_float32_in_output_cache_gradients_and_input_gradient(name, make):
    rng = np.random.default_rng(0)
    layer = make(rng)
    X = rng.normal(size=(5, 6)).astype(F32)
    Y = layer.forward(X)
    dX = layer.backward(rng.normal(size=Y.shape).astype(F32))
    assert Y.dtype == F32 and dX.dtype == F32, (Y.dtype, dX.dtype)
    assert _float_dtypes(layer._cache) <= {F32}, _float_dtypes(layer._cache)
    assert all(g.dtype == F32 for g in layer.grads.values())
    assert all(p.dtype == F32 for p in layer.params.values())


@pytest.mark.parametrize("targets", ["index", "one_hot_float64", "soft_float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_cross_entropy_gradient_is_float32_whatever_the_targets_dtype(targets, reduction):
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(8, 5)).astype(F32)
    y = rng.integers(0, 5, size=8)
    if targets == "one_hot_float64":
        y = nnlib.one_hot(y, 5)                                   # float64 targets must not promote the logits
    elif targets == "soft_float64":
        y = nnlib.softmax(rng.normal(size=(8, 5)))
    loss = nnlib.SoftmaxCrossEntropy(reduction=reduction)
    L = loss.forward(Z, y)
    g = loss.backward()
    assert isinstance(L, float) and g.dtype == F32
    assert {a.dtype for a in _arrays(loss._cache) if a.shape == Z.shape and a is not y} <= {F32}


def test_cross_entropy_on_probabilities_gradient_is_float32():
    rng = np.random.default_rng(2)
    P = nnlib.softmax(rng.normal(size=(6, 4)).astype(F32))
    loss = nnlib.CrossEntropy()
    assert isinstance(loss.forward(P, rng.integers(0, 4, size=6)), float)
    assert P.dtype == F32 and loss.backward().dtype == F32


@pytest.mark.parametrize("fn", [nnlib.softmax, nnlib.log_softmax, nnlib.logsumexp])
def test_softmax_family_returns_the_input_dtype(fn):
    z = np.random.default_rng(3).normal(size=(4, 7)).astype(F32)
    assert fn(z).dtype == F32


OPTIMIZERS = [
    ("SGD", lambda m: SGD(m, lr=0.1)),
    ("SGD momentum nesterov wd", lambda m: SGD(m, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam", lambda m: Adam(m, lr=1e-3, weight_decay=1e-3)),
    ("AdamW", lambda m: AdamW(m, lr=1e-3)),
]


def _mlp(rng, d=20, h=16, c=5, dtype=F32):
    return nnlib.Sequential(nnlib.Linear(d, h, rng=rng, dtype=dtype), nnlib.ReLU(),
                            nnlib.Linear(h, h, rng=rng, dtype=dtype), nnlib.ReLU(),
                            nnlib.Linear(h, c, rng=rng, dtype=dtype))


@pytest.mark.parametrize("name, make", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_a_float32_training_step_is_float32_everywhere(name, make):
    rng = np.random.default_rng(4)
    model = _mlp(rng)
    opt = make(model)
    loss = nnlib.SoftmaxCrossEntropy()
    X, y = rng.normal(size=(12, 20)).astype(F32), rng.integers(0, 5, size=12)
    for _ in range(2):
        logits = model.forward(X)
        loss.forward(logits, y)
        dlogits = loss.backward()
        assert model.backward(dlogits, input_grad=False) is None
        opt.step()
    assert logits.dtype == F32 and dlogits.dtype == F32
    for i, layer in enumerate(model.layers):
        assert _float_dtypes(layer._cache) <= {F32}, f"layer {i} ({layer!r}) caches {_float_dtypes(layer._cache)}"
    assert {p.dtype for p in model.params.values()} == {F32}
    assert {g.dtype for g in model.grads.values()} == {F32}
    state = _float_dtypes(opt.state) | _float_dtypes(opt._work)
    assert state <= {F32}, f"{name} keeps state in {state}"


def test_trainer_fit_keeps_a_float32_model_float32():
    rng = np.random.default_rng(5)
    model = _mlp(rng)
    X, y = rng.normal(size=(64, 20)).astype(F32), rng.integers(0, 5, size=64)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), batch_size=16, rng=0)
    trainer.fit(X, y, epochs=2)
    assert {p.dtype for p in model.params.values()} == {F32}
    assert model.forward(X).dtype == F32


# --------------------------------------------------------------------------------- no large temporaries in a step


def _step_peak_bytes(model, opt, X, y, input_grad=False):
    """Peak bytes allocated (tracemalloc; NumPy reports its arrays) by one step, after two warm-up steps."""
    loss = nnlib.SoftmaxCrossEntropy()

    def step():
        loss.forward(model.forward(X), y)
        model.backward(loss.backward(), input_grad=input_grad)
        opt.step()

    step()
    step()                       # the optimizer allocates its buffers on the first step; now they exist
    tracemalloc.start()
    try:
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _wide_model(rng):
    # A wide first layer, so that a temporary the size of W (or of the batch's input gradient) stands out clearly
    # against the activations: W is 2000 x 64 float32 = 512 kB, the input batch 32 x 2000 = 256 kB, and the
    # activations and their gradients a few tens of kB.
    return nnlib.Sequential(nnlib.Linear(2000, 64, rng=rng, dtype=F32), nnlib.ReLU(),
                            nnlib.Linear(64, 10, rng=rng, dtype=F32))


@pytest.mark.parametrize("name, make", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_a_training_step_allocates_no_weight_sized_temporary(name, make):
    rng = np.random.default_rng(6)
    model = _wide_model(rng)
    X, y = rng.random((32, 2000), dtype=F32), rng.integers(0, 10, size=32)
    peak = _step_peak_bytes(model, make(model), X, y)
    activations = 32 * (64 + 64 + 10) * 4          # Z1, relu(Z1), logits, float32
    W1 = model.layers[0].params["W"].nbytes
    assert 3 * activations < W1 / 8                 # so the bound below is far from any weight-sized array
    assert peak < 3 * activations, f"a step allocated {peak:,} bytes at peak (W1 is {W1:,} bytes)"


def test_the_first_layer_input_gradient_is_skipped_and_would_show():
    rng = np.random.default_rng(7)
    model = _wide_model(rng)
    X, y = rng.random((32, 2000), dtype=F32), rng.integers(0, 10, size=32)
    opt = SGD(model, lr=0.1)
    skipped = _step_peak_bytes(model, opt, X, y, input_grad=False)
    computed = _step_peak_bytes(model, opt, X, y, input_grad=True)
    assert computed >= X.nbytes > 4 * skipped, (skipped, computed)   # dX = dY W^T has the shape of the batch
