"""nnlib.optim: hand-computed steps, convergence, in-place float32 updates, clear errors, and torch.optim agreement."""

import tracemalloc

import numpy as np
import pytest

import nnlib
from nnlib.optim import SGD, Adam, AdamW


class Params:
    """The smallest thing an optimizer accepts: ``params`` and ``grads`` dicts with the same keys."""

    def __init__(self, dtype=np.float64, **arrays):
        self.params = {k: np.array(v, dtype=dtype) for k, v in arrays.items()}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def set_grads(self, **grads):
        for k, g in grads.items():
            self.grads[k][...] = g


def _steps(opt, model, grads):
    """Apply a sequence of gradients for the single parameter "x"; return its values after each step."""
    out = []
    for g in grads:
        model.set_grads(x=g)
        opt.step()
        out.append(model.params["x"].copy())
    return np.array(out)


# ----------------------------------------------------------------------------------------------- hand-computed steps


def test_sgd_plain_momentum_nesterov_and_weight_decay_match_hand_computed_steps():
    # theta0 = 1, g = 2 at every step, eta = 0.1, mu = 0.9.
    m = Params(x=[1.0])
    np.testing.assert_allclose(_steps(SGD(m, lr=0.1), m, [2.0, 2.0])[:, 0], [0.8, 0.6], rtol=1e-15)
    # momentum: v1 = 2, theta1 = 1 - 0.2 = 0.8; v2 = 0.9 * 2 + 2 = 3.8, theta2 = 0.8 - 0.38 = 0.42
    m = Params(x=[1.0])
    np.testing.assert_allclose(_steps(SGD(m, lr=0.1, momentum=0.9), m, [2.0, 2.0])[:, 0], [0.8, 0.42], rtol=1e-14)
    # Nesterov: v1 = 2, d = 2 + 0.9 * 2 = 3.8, theta1 = 0.62; v2 = 3.8, d = 2 + 0.9 * 3.8 = 5.42, theta2 = 0.078
    m = Params(x=[1.0])
    got = _steps(SGD(m, lr=0.1, momentum=0.9, nesterov=True), m, [2.0, 2.0])[:, 0]
    np.testing.assert_allclose(got, [0.62, 0.078], rtol=1e-13)
    # L2 weight decay: d = g + lambda theta = 2 + 0.5 * 1 = 2.5, theta1 = 1 - 0.25 = 0.75
    m = Params(x=[1.0])
    np.testing.assert_allclose(_steps(SGD(m, lr=0.1, weight_decay=0.5), m, [2.0])[:, 0], [0.75], rtol=1e-15)


def test_adam_two_steps_match_the_formulas_written_out():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    m = Params(x=[0.5])
    got = _steps(Adam(m, lr=lr, betas=(b1, b2), eps=eps), m, [2.0, -1.0])[:, 0]
    m1, v1 = (1 - b1) * 2.0, (1 - b2) * 4.0
    theta1 = 0.5 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * -1.0, b2 * v1 + (1 - b2) * 1.0
    theta2 = theta1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(got, [theta1, theta2], rtol=1e-13)
    np.testing.assert_allclose(theta1, 0.4, rtol=1e-8)  # first step: lr * sign(g)


def test_adam_first_step_is_lr_times_sign_of_gradient_whatever_its_scale():
    g = np.array([3e3, -2.0, 1e-1, -5e-2, 0.0, 7.0])
    theta0 = np.linspace(-1, 1, g.size)
    m = Params(x=theta0)
    m.set_grads(x=g)
    Adam(m, lr=0.01).step()
    np.testing.assert_allclose(m.params["x"] - theta0, -0.01 * np.sign(g), rtol=1e-6, atol=1e-15)


def test_adamw_shrinks_parameters_geometrically_when_gradients_are_zero():
    # Decoupled decay: theta_t = theta_0 (1 - eta lambda)^t, and the Adam part moves nothing (m = 0).
    theta0 = np.array([1.0, -2.0, 0.5])
    m = Params(x=theta0)
    got = _steps(AdamW(m, lr=0.1, weight_decay=0.5), m, [np.zeros(3)] * 3)
    np.testing.assert_allclose(got, theta0 * 0.95 ** np.arange(1, 4)[:, None], rtol=1e-15)


def test_adam_weight_decay_is_coupled_its_first_step_is_lr_sign_theta_for_zero_gradient():
    # In Adam the decay enters the gradient and is then normalised: d = lambda theta, step = eta sign(theta).
    theta0 = np.array([1.0, -2.0, 0.5])
    m = Params(x=theta0)
    got = _steps(Adam(m, lr=0.1, weight_decay=0.5), m, [np.zeros(3)])[0]
    np.testing.assert_allclose(got, theta0 - 0.1 * np.sign(theta0), rtol=1e-7)


# -------------------------------------------------------------------------------------------------------- behaviour


def _quadratic(seed):
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    A = Q @ np.diag([1.0, 2.0, 5.0, 10.0, 20.0]) @ Q.T  # SPD, condition number 20
    b = rng.normal(size=5)
    return A, b, np.linalg.solve(A, b)


def _run_quadratic(opt_factory, A, b, steps):
    """Minimise f(theta) = theta^T A theta / 2 - b^T theta; return the distance to the minimiser after each step."""
    m = Params(x=np.zeros(len(b)))
    opt = opt_factory(m)
    theta_star = np.linalg.solve(A, b)
    dist = []
    for _ in range(steps):
        m.set_grads(x=A @ m.params["x"] - b)
        opt.step()
        dist.append(np.linalg.norm(m.params["x"] - theta_star))
    return np.array(dist)


def test_sgd_on_a_quadratic_converges_to_the_minimiser_and_momentum_gets_there_faster():
    A, b, _ = _quadratic(0)
    # eigenvalues 1..20: lr = 0.05 is stable for all three (Nesterov needs lr * 20 < 2 (1 + mu) / (1 + 2 mu))
    plain = _run_quadratic(lambda m: SGD(m, lr=0.05), A, b, 1000)
    heavy = _run_quadratic(lambda m: SGD(m, lr=0.05, momentum=0.6), A, b, 1000)
    nesterov = _run_quadratic(lambda m: SGD(m, lr=0.05, momentum=0.6, nesterov=True), A, b, 1000)
    assert plain[-1] < 1e-10 and heavy[-1] < 1e-10 and nesterov[-1] < 1e-10
    steps_to = lambda d: int(np.argmax(d < 1e-6))  # noqa: E731
    assert steps_to(heavy) < steps_to(plain) and steps_to(nesterov) < steps_to(plain)


def test_adam_on_a_quadratic_gets_close_to_the_minimiser():
    A, b, _ = _quadratic(1)
    dist = _run_quadratic(lambda m: Adam(m, lr=0.05), A, b, 2000)
    assert dist[-1] < 1e-3 * dist[0]


@pytest.mark.parametrize("make", [
    lambda m: SGD(m, lr=0.1),
    lambda m: SGD(m, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda m: Adam(m, lr=1e-2, weight_decay=1e-3),
    lambda m: AdamW(m, lr=1e-2),
], ids=["sgd", "sgd-nesterov-wd", "adam-wd", "adamw"])
def test_updates_are_in_place_and_float32_stays_float32(make):
    rng = np.random.default_rng(0)
    model = nnlib.Sequential(nnlib.Linear(6, 5, rng=rng, dtype=np.float32), nnlib.ReLU(),
                             nnlib.Linear(5, 3, rng=rng, dtype=np.float32))
    opt = make(model)
    arrays = dict(model.params)  # references to the layers' own arrays
    before = {k: v.copy() for k, v in arrays.items()}
    for _ in range(3):
        for g in model.grads.values():
            g[...] = rng.normal(size=g.shape)
        opt.step()
    for k, p in model.params.items():
        assert p is arrays[k], f"{k} was rebound instead of updated in place"
        assert p.dtype == np.float32, f"{k} became {p.dtype}"
        assert not np.array_equal(p, before[k]), f"{k} did not move"
    for k, state in opt.state.items():
        for name, buf in state.items():
            assert buf.dtype == np.float32, f"state {k}/{name} is {buf.dtype}"


@pytest.mark.parametrize("make", [
    lambda m: SGD(m, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda m: Adam(m, lr=1e-3, weight_decay=1e-3),
    lambda m: AdamW(m, lr=1e-3),
], ids=["sgd", "adam", "adamw"])
def test_a_step_allocates_no_parameter_sized_temporaries(make):
    m = Params(x=np.ones((500, 500)))  # 2 MB of float64
    opt = make(m)
    m.set_grads(x=0.5)
    opt.step()  # the first step allocates the state and scratch buffers
    tracemalloc.start()
    opt.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50_000, f"step allocated {peak} bytes at peak"


def test_optimizer_looks_up_gradients_every_step_so_rebinding_layers_work():
    class Rebinding(nnlib.Layer):  # a reader's layer that assigns new gradient arrays instead of writing in place
        def __init__(self):
            super().__init__()
            self.params["w"] = np.array([1.0])
            self.grads["w"] = np.array([0.0])

    layer = Rebinding()
    opt = SGD(layer, lr=0.5)
    layer.grads["w"] = np.array([2.0])
    opt.step()
    np.testing.assert_allclose(layer.params["w"], [0.0])


def test_zero_grad_zeroes_every_gradient_in_place():
    rng = np.random.default_rng(0)
    model = nnlib.Sequential(nnlib.Linear(3, 4, rng=rng), nnlib.Tanh(), nnlib.Linear(4, 2, rng=rng))
    grads = dict(model.grads)
    for g in grads.values():
        g[...] = 1.0
    SGD(model, lr=0.1).zero_grad()
    assert all(model.grads[k] is g and not g.any() for k, g in grads.items())


def test_optimizer_state_is_per_parameter_and_counts_steps():
    rng = np.random.default_rng(0)
    model = nnlib.Sequential(nnlib.Linear(3, 4, rng=rng), nnlib.ReLU(), nnlib.Linear(4, 2, rng=rng))
    opt = Adam(model)
    opt.step()
    opt.step()
    assert opt.t == 2
    assert set(opt.state) == {"0.W", "0.b", "2.W", "2.b"}
    assert opt.state["0.W"]["exp_avg"].shape == (3, 4)
    assert repr(opt) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08)"
    assert repr(SGD(model, lr=0.1, momentum=0.9, nesterov=True)) == "SGD(lr=0.1, momentum=0.9, nesterov=True)"


# ----------------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("make, match", [
    (lambda m: SGD(m, lr=0), r"lr must be in \(0.0, inf\), got 0.0"),
    (lambda m: SGD(m, lr=-0.1), r"lr .* got -0.1"),
    (lambda m: Adam(m, lr=-1e-3), r"lr .* got -0.001"),
    (lambda m: SGD(m, lr=0.1, momentum=1.0), r"momentum must be in \[0.0, 1.0\), got 1.0"),
    (lambda m: SGD(m, lr=0.1, momentum=-0.5), r"momentum .* got -0.5"),
    (lambda m: SGD(m, lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
    (lambda m: SGD(m, lr=0.1, weight_decay=-1), r"weight_decay .* got -1.0"),
    (lambda m: Adam(m, betas=(1.0, 0.999)), r"betas\[0\] must be in \[0.0, 1.0\), got 1.0"),
    (lambda m: Adam(m, betas=(0.9, 1.5)), r"betas\[1\] .* got 1.5"),
    (lambda m: AdamW(m, betas=(0.9, -0.1)), r"AdamW: betas\[1\] .* got -0.1"),
    (lambda m: Adam(m, eps=-1e-8), r"eps .* got -1e-08"),
])
def test_bad_hyperparameters_raise_value_error_naming_the_value(make, match):
    with pytest.raises(ValueError, match=match):
        make(Params(x=[1.0]))


@pytest.mark.parametrize("make", [
    lambda m: SGD(m, lr=float("nan")),
    lambda m: SGD(m, lr="0.1"),
    lambda m: Adam(m, betas=0.9),
    lambda m: SGD(m, lr=0.1, momentum=None),
])
def test_non_numeric_hyperparameters_raise_type_error(make):
    with pytest.raises(TypeError):
        make(Params(x=[1.0]))


@pytest.mark.parametrize("model", [nnlib.ReLU(), nnlib.Sequential(nnlib.ReLU(), nnlib.Softmax())],
                         ids=["relu", "sequential-without-params"])
def test_a_model_without_parameters_raises_a_clear_value_error(model):
    with pytest.raises(ValueError, match="has no parameters to optimize"):
        Adam(model)


def test_something_that_is_not_a_model_raises_type_error():
    with pytest.raises(TypeError, match=r"\.params and \.grads"):
        SGD([np.ones(3)], lr=0.1)


def test_a_model_whose_parameters_change_after_construction_raises():
    m = Params(x=[1.0])
    opt = SGD(m, lr=0.1)
    m.params["y"], m.grads["y"] = np.ones(2), np.ones(2)
    with pytest.raises(RuntimeError, match="parameters changed"):
        opt.step()


# ---------------------------------------------------------------------------------------- against torch.optim


def _torch_case(name):
    return {
        "sgd": (lambda m: SGD(m, lr=0.1), lambda p, t: t.optim.SGD(p, lr=0.1)),
        "sgd-momentum": (lambda m: SGD(m, lr=0.1, momentum=0.9),
                         lambda p, t: t.optim.SGD(p, lr=0.1, momentum=0.9)),
        "sgd-nesterov": (lambda m: SGD(m, lr=0.05, momentum=0.8, nesterov=True),
                         lambda p, t: t.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
        "sgd-weight-decay": (lambda m: SGD(m, lr=0.1, weight_decay=0.3),
                             lambda p, t: t.optim.SGD(p, lr=0.1, weight_decay=0.3)),
        "sgd-all": (lambda m: SGD(m, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                    lambda p, t: t.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
        "adam": (lambda m: Adam(m, lr=0.1), lambda p, t: t.optim.Adam(p, lr=0.1)),
        "adam-options": (lambda m: Adam(m, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                         lambda p, t: t.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
        "adamw": (lambda m: AdamW(m, lr=0.1), lambda p, t: t.optim.AdamW(p, lr=0.1)),
        "adamw-options": (lambda m: AdamW(m, lr=0.05, betas=(0.5, 0.9), weight_decay=0.3),
                          lambda p, t: t.optim.AdamW(p, lr=0.05, betas=(0.5, 0.9), weight_decay=0.3)),
    }[name]


TORCH_STATE = {"momentum": "momentum_buffer", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}


# float64: agreement to 1e-12 relative; float32: 1e-5 relative. Where a subtraction nearly cancels (a few of the
# 5120 entries of the larger model), relative agreement means nothing and the two round a fused multiply-add
# differently, so an absolute tolerance of a few ulps of these O(1) values is allowed: 1e-15 and 1e-6.
@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-12, 1e-15), (np.float32, 1e-5, 1e-6)])
@pytest.mark.parametrize("name", ["sgd", "sgd-momentum", "sgd-nesterov", "sgd-weight-decay", "sgd-all", "adam",
                                  "adam-options", "adamw", "adamw-options"])
@pytest.mark.parametrize("dims", [(4, 3, 2), (80, 64, 2)], ids=["numpy-update", "blas-update"])
def test_matches_torch_optim_on_identical_gradients(name, dtype, rtol, atol, dims):
    # The 80 x 64 weights are large enough for nnlib._blas.axpy to call BLAS (when NumPy's OpenBLAS is found).
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_case(name)
    rng = np.random.default_rng(0)
    model = nnlib.Sequential(nnlib.Linear(dims[0], dims[1], rng=rng, dtype=dtype), nnlib.ReLU(),
                             nnlib.Linear(dims[1], dims[2], rng=rng, dtype=dtype))
    for b in (model.layers[0].params["b"], model.layers[2].params["b"]):
        b[...] = rng.normal(size=b.shape)
    keys = list(model.params)
    tparams = [torch.tensor(model.params[k].copy(), requires_grad=True) for k in keys]
    opt, topt = ours(model), theirs(tparams, torch)
    for step in range(6):
        for k, tp in zip(keys, tparams):
            g = (rng.normal(size=tp.shape) * 10.0 ** rng.integers(-3, 2)).astype(dtype)
            model.grads[k][...] = g
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
        for k, tp in zip(keys, tparams):
            np.testing.assert_allclose(model.params[k], tp.detach().numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"{name}: parameter {k} after step {step + 1}")
            for ours_name, torch_name in TORCH_STATE.items():
                if ours_name in opt.state[k]:
                    np.testing.assert_allclose(opt.state[k][ours_name], topt.state[tp][torch_name].numpy(),
                                               rtol=rtol, atol=atol, err_msg=f"{name}: {ours_name} of {k}")
