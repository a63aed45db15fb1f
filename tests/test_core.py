"""The foundation API: the book's example runs as written, every layer and loss passes a gradient check."""

import numpy as np
import pytest

import nnlib


def test_book_example_runs_as_written():
    p = nnlib.softmax(np.array([[1000.0, 0.0, -1000.0]]))
    J = nnlib.softmax_jacobian(p)
    rng = np.random.default_rng(0)
    layer = nnlib.Linear(4, 3, rng=rng)
    loss = nnlib.SoftmaxCrossEntropy()
    X = rng.normal(size=(5, 4)); y = np.array([0, 2, 1, 1, 0])
    L = loss.forward(layer.forward(X), y)
    dX = layer.backward(loss.backward())
    err = nnlib.gradcheck(layer, X)

    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])
    assert J.shape == (1, 3, 3)
    assert layer.params["W"].shape == (4, 3) and layer.params["b"].shape == (3,)
    assert isinstance(L, float) and L > 0
    assert dX.shape == (5, 4)
    assert layer.grads["W"].shape == (4, 3) and np.any(layer.grads["W"] != 0)
    assert layer.grads["b"].shape == (3,) and np.any(layer.grads["b"] != 0)
    assert 0 <= err < 1e-7


def _layers(rng):
    return [
        nnlib.Linear(4, 3, rng=rng),
        nnlib.Linear(4, 6, rng=rng, init="he"),
        nnlib.ReLU(),
        nnlib.LeakyReLU(0.1),
        nnlib.ELU(0.7),
        nnlib.Sigmoid(),
        nnlib.Tanh(),
        nnlib.Softmax(),
        nnlib.Sequential(nnlib.Linear(4, 8, rng=rng), nnlib.Tanh(), nnlib.Linear(8, 5, rng=rng), nnlib.Softmax()),
        nnlib.Sequential(nnlib.Linear(4, 8, rng=rng), nnlib.ReLU(), nnlib.Linear(8, 3, rng=rng)),
    ]


@pytest.mark.parametrize("index", range(10))
def test_every_layer_passes_gradcheck_on_input_and_parameters(index):
    rng = np.random.default_rng(index)
    layer = _layers(rng)[index]
    X = rng.normal(size=(6, 4))
    X[np.abs(X) < 1e-3] = 0.5  # keep away from the ReLU kink, where the derivative is undefined
    assert nnlib.gradcheck(layer, X) < 1e-7


@pytest.mark.parametrize("labels", ["index", "one_hot", "soft"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_cross_entropy_passes_gradcheck(labels, reduction):
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(7, 5)) * 3
    y = rng.integers(0, 5, size=7)
    if labels == "one_hot":
        y = nnlib.one_hot(y, 5)
    elif labels == "soft":
        y = nnlib.softmax(rng.normal(size=(7, 5)))
    assert nnlib.gradcheck(nnlib.SoftmaxCrossEntropy(reduction=reduction), Z, y) < 1e-7


def test_cross_entropy_on_probabilities_passes_gradcheck():
    rng = np.random.default_rng(2)
    P = nnlib.softmax(rng.normal(size=(6, 4)))
    y = rng.integers(0, 4, size=6)
    assert nnlib.gradcheck(nnlib.CrossEntropy(), P, y) < 1e-7


def test_fused_and_separate_paths_give_the_same_loss_and_gradient():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(8, 6)) * 2
    y = rng.integers(0, 6, size=8)
    fused = nnlib.SoftmaxCrossEntropy()
    softmax, ce = nnlib.Softmax(), nnlib.CrossEntropy()
    L1 = fused.forward(Z, y)
    L2 = ce.forward(softmax.forward(Z), y)
    np.testing.assert_allclose(L1, L2, rtol=1e-12)
    np.testing.assert_allclose(fused.backward(), softmax.backward(ce.backward()), rtol=1e-10, atol=1e-15)


def test_fused_gradient_is_p_minus_y_over_n():
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(5, 3))
    y = np.array([0, 1, 2, 2, 1])
    loss = nnlib.SoftmaxCrossEntropy()
    loss.forward(Z, y)
    np.testing.assert_allclose(loss.backward(), (nnlib.softmax(Z) - nnlib.one_hot(y, 3)) / 5, rtol=1e-12)


def test_softmax_backward_is_the_vector_jacobian_product():
    rng = np.random.default_rng(5)
    Z, G = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    layer = nnlib.Softmax()
    P = layer.forward(Z)
    J = nnlib.softmax_jacobian(P)
    np.testing.assert_allclose(layer.backward(G), np.einsum("nc,ncd->nd", G, J), rtol=1e-12, atol=1e-15)


def test_gradcheck_names_the_parameter_and_index_of_a_wrong_gradient():
    class BrokenLinear(nnlib.Linear):
        def backward(self, dY, input_grad=True):
            dX = super().backward(dY, input_grad)
            self.grads["W"][2, 1] += 0.5
            return dX

    rng = np.random.default_rng(6)
    with pytest.raises(nnlib.GradcheckError, match=r"'W' is wrong at index \(2, 1\)"):
        nnlib.gradcheck(BrokenLinear(4, 3, rng=rng), rng.normal(size=(5, 4)))


def test_gradcheck_catches_a_wrong_input_gradient():
    class BrokenTanh(nnlib.Tanh):
        def backward(self, dY):
            return super().backward(dY) * 1.001

    with pytest.raises(nnlib.GradcheckError, match="'X'"):
        nnlib.gradcheck(BrokenTanh(), np.random.default_rng(7).normal(size=(3, 4)))


def test_numerical_gradient_matches_a_known_gradient_and_restores_x():
    x = np.array([1.0, -2.0, 3.0])
    before = x.copy()
    g = nnlib.numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(g, 3 * before**2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_end_to_end(dtype):
    rng = np.random.default_rng(8)
    model = nnlib.Sequential(nnlib.Linear(5, 7, rng=rng, dtype=dtype), nnlib.ReLU(), nnlib.Linear(7, 3, rng=rng, dtype=dtype))
    X = rng.normal(size=(4, 5)).astype(dtype)
    loss = nnlib.SoftmaxCrossEntropy()
    Z = model.forward(X)
    assert Z.dtype == dtype
    loss.forward(Z, np.array([0, 1, 2, 0]))
    dZ = loss.backward()
    assert dZ.dtype == dtype
    dX = model.backward(dZ)
    assert dX.dtype == dtype
    assert all(g.dtype == dtype for g in model.grads.values())
    for layer in [nnlib.Sigmoid(), nnlib.Tanh(), nnlib.LeakyReLU(), nnlib.ELU(), nnlib.Softmax()]:
        assert layer.forward(X).dtype == dtype and layer.backward(X).dtype == dtype
    for f in [nnlib.softmax, nnlib.log_softmax, nnlib.logsumexp, nnlib.softmax_jacobian]:
        assert f(X).dtype == dtype


def test_first_layer_input_gradient_can_be_skipped():
    rng = np.random.default_rng(9)
    model = nnlib.Sequential(nnlib.Linear(3, 4, rng=rng), nnlib.ReLU(), nnlib.Linear(4, 2, rng=rng))
    X = rng.normal(size=(5, 3))
    G = rng.normal(size=(5, 2))
    model.forward(X)
    full = model.backward(G)
    grads = {k: v.copy() for k, v in model.grads.items()}
    assert full.shape == (5, 3)
    assert model.backward(G, input_grad=False) is None
    for k, v in model.grads.items():
        np.testing.assert_array_equal(v, grads[k])


def test_sequential_repr_shows_every_layer_and_the_parameter_count():
    rng = np.random.default_rng(0)
    model = nnlib.Sequential(nnlib.Linear(784, 256, rng=rng), nnlib.ReLU(), nnlib.Linear(256, 10, rng=rng))
    text = repr(model)
    assert "(0) Linear(784 -> 256)" in text and "(1) ReLU()" in text and "(2) Linear(256 -> 10)" in text
    assert f"{784 * 256 + 256 + 256 * 10 + 10:,} parameters" in text
    assert model.layers[0].params["W"] is model.params["0.W"]


@pytest.mark.parametrize("init, std", [("xavier", np.sqrt(2 / (400 + 300))), ("xavier_normal", np.sqrt(2 / 700)),
                                       ("he", np.sqrt(2 / 400)), ("he_uniform", np.sqrt(2 / 400))])
def test_initialisations_have_the_documented_variance(init, std):
    W = nnlib.Linear(400, 300, rng=np.random.default_rng(0), init=init).params["W"]
    assert abs(W.std() / std - 1) < 0.02
    assert abs(W.mean()) < 3 * std / np.sqrt(W.size) * 3


def test_same_seed_gives_the_same_weights_and_different_seeds_differ():
    W1 = nnlib.Linear(5, 4, rng=np.random.default_rng(1)).params["W"]
    W2 = nnlib.Linear(5, 4, rng=np.random.default_rng(1)).params["W"]
    W3 = nnlib.Linear(5, 4, rng=np.random.default_rng(2)).params["W"]
    np.testing.assert_array_equal(W1, W2)
    assert not np.array_equal(W1, W3)


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    a = nnlib.Sequential(nnlib.Linear(3, 4, rng=rng), nnlib.ReLU(), nnlib.Linear(4, 2, rng=rng))
    b = nnlib.Sequential(nnlib.Linear(3, 4, rng=rng), nnlib.ReLU(), nnlib.Linear(4, 2, rng=rng))
    a.save(tmp_path / "m.npz")
    b.load(tmp_path / "m.npz")
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:  # readable without pickle
        assert "param:0.W" in data.files


@pytest.mark.parametrize("labels", ["index", "one_hot"])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_fused_loss_is_the_same_for_any_memory_layout_and_backward_can_be_repeated(labels, layout):
    """The index path works on a transposed copy of the logits: the layout of the input must not matter, the
    gradient must not depend on how often backward is called, and float32 stays float32."""
    rng = np.random.default_rng(5)
    Z64 = rng.normal(size=(9, 4)) * 3
    y = rng.integers(0, 4, size=9)
    targets = y if labels == "index" else nnlib.one_hot(y, 4)
    Z = {"C": Z64, "F": np.asfortranarray(Z64), "strided": np.repeat(Z64, 2, axis=1)[:, ::2]}[layout]
    loss = nnlib.SoftmaxCrossEntropy()
    expected_loss = -np.mean(nnlib.log_softmax(Z64)[np.arange(9), y])
    np.testing.assert_allclose(loss.forward(Z, targets), expected_loss, rtol=1e-13)
    expected = (nnlib.softmax(Z64) - nnlib.one_hot(y, 4)) / 9
    first, second = loss.backward(), loss.backward(2.0)
    np.testing.assert_allclose(first, expected, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(second, 2 * expected, rtol=1e-12, atol=1e-16)
    assert first.shape == (9, 4) and not np.shares_memory(first, second)

    loss32 = nnlib.SoftmaxCrossEntropy()
    L32 = loss32.forward(Z.astype(np.float32), targets)
    g32 = loss32.backward()
    assert g32.dtype == np.float32
    np.testing.assert_allclose(L32, expected_loss, rtol=1e-6)
    np.testing.assert_allclose(g32, expected, rtol=1e-5, atol=1e-7)
