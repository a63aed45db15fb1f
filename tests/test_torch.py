"""nnlib against PyTorch (skipped when torch is not installed; `make test` installs it)."""

import numpy as np
import pytest

import nnlib

torch = pytest.importorskip("torch")
F = torch.nn.functional

CASES = {
    "normal": lambda rng: rng.normal(size=(6, 5)) * 3,
    "extreme": lambda rng: rng.choice([-1e4, 0.0, 1e4], size=(6, 5)) + rng.normal(size=(6, 5)),
}


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("case", CASES)
def test_softmax_and_log_softmax_match_torch(case, dtype, rtol):
    z = CASES[case](np.random.default_rng(0)).astype(dtype)
    t = torch.from_numpy(z)
    np.testing.assert_allclose(nnlib.softmax(z), F.softmax(t, dim=1).numpy(), rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(nnlib.log_softmax(z), F.log_softmax(t, dim=1).numpy(), rtol=rtol)
    np.testing.assert_allclose(nnlib.logsumexp(z), torch.logsumexp(t, dim=1).numpy(), rtol=rtol)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("case", CASES)
def test_cross_entropy_value_and_gradient_match_torch(case, dtype, rtol):
    rng = np.random.default_rng(1)
    z = CASES[case](rng).astype(dtype)
    y = rng.integers(0, 5, size=6)
    loss = nnlib.SoftmaxCrossEntropy()
    L = loss.forward(z, y)
    g = loss.backward()
    t = torch.from_numpy(z).requires_grad_(True)
    Lt = F.cross_entropy(t, torch.from_numpy(y))
    Lt.backward()
    np.testing.assert_allclose(L, Lt.item(), rtol=rtol)
    np.testing.assert_allclose(g, t.grad.numpy(), rtol=rtol, atol=1e-7 if dtype == np.float32 else 1e-15)
    assert g.dtype == dtype
    np.testing.assert_allclose(nnlib.cross_entropy(z, y), Lt.item(), rtol=rtol)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_linear_forward_and_backward_match_torch(dtype, rtol):
    rng = np.random.default_rng(2)
    layer = nnlib.Linear(7, 4, rng=rng, dtype=dtype)
    X = rng.normal(size=(9, 7)).astype(dtype)
    G = rng.normal(size=(9, 4)).astype(dtype)
    Y = layer.forward(X)
    dX = layer.backward(G)
    lin = torch.nn.Linear(7, 4).to(torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(layer.params["W"].T.copy()))
        lin.bias.copy_(torch.from_numpy(layer.params["b"]))
    Xt = torch.from_numpy(X).requires_grad_(True)
    Yt = lin(Xt)
    Yt.backward(torch.from_numpy(G))
    atol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Y, Yt.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(layer.grads["W"], lin.weight.grad.numpy().T, rtol=rtol, atol=atol)
    np.testing.assert_allclose(layer.grads["b"], lin.bias.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name, torch_layer", [
    ("ReLU", torch.nn.ReLU()), ("LeakyReLU", torch.nn.LeakyReLU(0.01)), ("ELU", torch.nn.ELU(1.0)),
    ("Sigmoid", torch.nn.Sigmoid()), ("Tanh", torch.nn.Tanh()), ("Softmax", torch.nn.Softmax(dim=1)),
])
def test_activations_match_torch(name, torch_layer):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 6)) * 4
    G = rng.normal(size=(5, 6))
    layer = getattr(nnlib, name)()
    Y = layer.forward(X)
    dX = layer.backward(G)
    Xt = torch.from_numpy(X).requires_grad_(True)
    Yt = torch_layer(Xt)
    Yt.backward(torch.from_numpy(G))
    np.testing.assert_allclose(Y, Yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=1e-12, atol=1e-15)
