"""Optimizers: update a model's parameters in place from the gradients its backward pass left in ``model.grads``.

Each optimizer takes a model (anything with ``.params`` and ``.grads`` dicts with the same keys: a layer, or a
:class:`nnlib.Sequential`, whose ``params`` is a flat view keyed ``"0.W"``, ``"0.b"``, ...) and offers
``step()`` and ``zero_grad()``. The symbols: ``theta`` a parameter array, ``g`` its gradient, ``eta`` the
learning rate ``lr``, ``lambda`` the weight decay, ``t`` the step count (1 on the first step).

What the optimizers rely on: on every ``step`` they look up ``model.params`` and ``model.grads`` afresh (a
Sequential builds a new dict on each access, but its values are the layers' own arrays), and they update the
parameter arrays **in place** (``theta -= ...``), so every reference to them (``layer.params["W"]``) sees the new
values. Gradients may be written in place (``Linear`` uses ``out=``) or rebound; they are only read. The keys and
shapes must stay those the optimizer was built with; its state (momentum, moments) is keyed by name.

Speed: the update runs with ``out=`` into preallocated buffers (state and scratch in the parameter's dtype, the
hyperparameters cast to that dtype), so a float32 model stays float32 and a step allocates no arrays. The last
line, ``theta <- theta - eta d``, is one pass of BLAS's axpy for parameters of 4096 numbers or more, called in the
OpenBLAS that NumPy's wheels ship (``nnlib._blas``; it rounds once where two NumPy passes round twice, so the
results can differ by a rounding error). Set the environment variable ``NNLIB_BLAS=0`` before importing nnlib to
use the NumPy passes everywhere.
The formulas follow ``torch.optim`` (tests compare them to 1e-12 in float64).
"""

import math
import numbers

import numpy as np

from nnlib._blas import axpy

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


def _hyper(value, name, where, low=None, high=None, low_open=False, high_open=True):
    """Return ``value`` as a float if it is a finite real in the given interval, else raise naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{where}: {name} must be a finite real number, got {value!r}.")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        interval = f"{left}{low if low is not None else '-inf'}, {high if high is not None else 'inf'}{right}"
        raise ValueError(f"{where}: {name} must be in {interval}, got {value!r}.")
    return value


class Optimizer:
    """Base class: checks the model, keeps the step count ``t``, and implements ``zero_grad``.

    Subclasses implement ``_update(theta, g, state, work)`` for one parameter array.
    """

    def __init__(self, model, lr):
        where = type(self).__name__
        if not hasattr(model, "params") or not hasattr(model, "grads"):
            raise TypeError(
                f"{where}: expected a model with .params and .grads dicts (an nnlib layer or Sequential), "
                f"got {type(model).__name__}. Pass the model itself, e.g. {where}(model, lr=...)."
            )
        params, grads = model.params, model.grads
        if not params:
            raise ValueError(
                f"{where}: {model!r} has no parameters to optimize. Pass a model containing a layer with "
                "parameters, e.g. nnlib.Sequential(nnlib.Linear(64, 10, rng=rng))."
            )
        if set(params) != set(grads):
            raise ValueError(
                f"{where}: model.params and model.grads must have the same keys, got {sorted(params)} and "
                f"{sorted(grads)}."
            )
        for k, p in params.items():
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError(f"{where}: parameter {k!r} must be a floating-point ndarray, got {p!r:.60}.")
            if np.shape(grads[k]) != p.shape:
                raise ValueError(
                    f"{where}: grads[{k!r}] has shape {np.shape(grads[k])}, but params[{k!r}] has {p.shape}."
                )
        self.model = model
        self.lr = _hyper(lr, "lr", where, low=0.0, low_open=True, high=None)
        self.t = 0
        self._shapes = {k: (p.shape, p.dtype) for k, p in params.items()}
        self.state = {k: {} for k in params}
        self._work = {k: {} for k in params}       # scratch arrays, allocated on first use

    def zero_grad(self):
        """Set every gradient to zero in place.

        nnlib's layers overwrite their gradients on each backward pass rather than accumulate them, so a training
        loop does not need this; it is here for loops that accumulate, and for parity with PyTorch.
        """
        for g in self.model.grads.values():
            g[...] = 0

    def step(self):
        """Update every parameter in place from its current gradient; ``t`` counts the steps taken."""
        params, grads = self.model.params, self.model.grads
        if params.keys() != self._shapes.keys():
            raise RuntimeError(
                f"{type(self).__name__}.step: the model's parameters changed from {sorted(self._shapes)} to "
                f"{sorted(params)}; build a new optimizer for the new model."
            )
        for k, theta in params.items():  # check everything before changing anything
            if theta.shape != self._shapes[k][0] or np.shape(grads[k]) != theta.shape:
                raise RuntimeError(
                    f"{type(self).__name__}.step: {k!r} has parameter shape {theta.shape} and gradient shape "
                    f"{np.shape(grads[k])}; expected {self._shapes[k][0]} for both."
                )
        self.t += 1
        for k, theta in params.items():
            self._update(theta, grads[k], self.state[k], self._work[k])

    def _update(self, theta, g, state, work):
        """Update ``theta`` in place; ``state`` holds this parameter's buffers, ``work`` its scratch arrays."""
        raise NotImplementedError

    @staticmethod
    def _buffer(store, name, like):
        """The array ``store[name]``, allocated as zeros in ``like``'s shape and dtype on first use."""
        buf = store.get(name)
        if buf is None:
            buf = store[name] = np.zeros_like(like)
        return buf


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay.

    With ``d = g + lambda theta`` (L2 weight decay added to the gradient, as ``torch.optim.SGD`` does) and the
    velocity ``v`` (zero before the first step)::

        plain:     theta <- theta - eta d
        momentum:  v <- mu v + d;   theta <- theta - eta v
        Nesterov:  v <- mu v + d;   theta <- theta - eta (d + mu v)

    Args:
        model: a layer or Sequential (see the module docstring).
        lr: eta > 0.
        momentum: mu in [0, 1).
        nesterov: use Nesterov momentum (needs momentum > 0).
        weight_decay: lambda >= 0.
    """

    def __init__(self, model, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(model, lr)
        self.momentum = _hyper(momentum, "momentum", "SGD", low=0.0, high=1.0)
        self.weight_decay = _hyper(weight_decay, "weight_decay", "SGD", low=0.0)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0, got momentum=0. Pass e.g. momentum=0.9.")

    def _update(self, theta, g, state, work):
        dt = theta.dtype.type
        lr, mu, wd = dt(self.lr), dt(self.momentum), dt(self.weight_decay)
        scratch = self._buffer(work, "a", theta)
        d = g
        if wd:
            d = np.multiply(theta, wd, out=scratch)       # d = g + lambda theta
            d += g
        if mu:
            v = self._buffer(state, "momentum", theta)
            v *= mu                                        # v = mu v + d
            v += d
            if self.nesterov:
                tmp = self._buffer(work, "b", theta)
                np.multiply(v, mu, out=tmp)                # d = d + mu v
                d = np.add(d, tmp, out=scratch)
            else:
                d = v
        axpy(-lr, d, theta, scratch)                       # theta = theta - eta d, in one pass (nnlib._blas)

    def __repr__(self):
        extra = f", momentum={self.momentum:g}" if self.momentum else ""
        extra += ", nesterov=True" if self.nesterov else ""
        extra += f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        return f"SGD(lr={self.lr:g}{extra})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-coordinate steps from bias-corrected moment estimates.

    With ``d = g + lambda theta`` (L2 weight decay, coupled to the gradient as in ``torch.optim.Adam``)::

        m <- beta1 m + (1 - beta1) d            first moment, m_0 = 0
        v <- beta2 v + (1 - beta2) d^2          second moment, v_0 = 0
        m_hat = m / (1 - beta1^t),   v_hat = v / (1 - beta2^t)      bias correction
        theta <- theta - eta m_hat / (sqrt(v_hat) + eps)

    Because of the bias correction the first step is ``eta * sign(g)`` (up to eps), whatever the scale of g.

    Args:
        model: a layer or Sequential (see the module docstring).
        lr: eta > 0.
        betas: (beta1, beta2), each in [0, 1).
        eps: added to the denominator, >= 0.
        weight_decay: lambda >= 0 (for decoupled decay use :class:`AdamW`).
    """

    _decoupled = False

    def __init__(self, model, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(model, lr)
        where = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2) such as (0.9, 0.999), got {betas!r}.")
        self.betas = (_hyper(betas[0], "betas[0]", where, low=0.0, high=1.0),
                      _hyper(betas[1], "betas[1]", where, low=0.0, high=1.0))
        self.eps = _hyper(eps, "eps", where, low=0.0)
        self.weight_decay = _hyper(weight_decay, "weight_decay", where, low=0.0)

    def _update(self, theta, g, state, work):
        dt = theta.dtype.type
        beta1, beta2 = self.betas
        t = self.t
        wd = dt(self.weight_decay)
        scratch = self._buffer(work, "a", theta)
        if wd and self._decoupled:
            theta *= dt(1 - self.lr * self.weight_decay)   # AdamW: theta = theta (1 - eta lambda)
        elif wd:
            d = self._buffer(work, "b", theta)
            np.multiply(theta, wd, out=d)                  # d = g + lambda theta
            d += g
            g = d
        m = self._buffer(state, "exp_avg", theta)
        v = self._buffer(state, "exp_avg_sq", theta)
        np.subtract(g, m, out=scratch)                     # m = m + (1 - beta1) (g - m)
        scratch *= dt(1 - beta1)
        m += scratch
        v *= dt(beta2)                                     # v = beta2 v + (1 - beta2) g^2
        np.multiply(g, g, out=scratch)
        scratch *= dt(1 - beta2)
        v += scratch
        # eta m_hat / (sqrt(v_hat) + eps) = [eta sqrt(c2) / c1] m / (sqrt(v) + eps sqrt(c2)) with c_i = 1 - beta_i^t:
        # the same number, one pass fewer than dividing sqrt(v) by sqrt(c2) elementwise.
        sqrt_c2 = (1 - beta2**t) ** 0.5
        np.sqrt(v, out=scratch)
        scratch += dt(self.eps * sqrt_c2)
        np.divide(m, scratch, out=scratch)
        axpy(-dt(self.lr * sqrt_c2 / (1 - beta1**t)), scratch, theta, scratch)   # theta -= [...] m / (...)

    def __repr__(self):
        wd = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        betas = f"({self.betas[0]:g}, {self.betas[1]:g})"
        return f"{type(self).__name__}(lr={self.lr:g}, betas={betas}, eps={self.eps:g}{wd})"


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    The decay shrinks the parameters directly instead of entering the moments::

        theta <- theta (1 - eta lambda),   then the Adam step of :class:`Adam` on g (without decay)

    so every weight decays at the same rate, whatever the scale of its gradients.

    Args:
        model, lr, betas, eps: as for :class:`Adam`.
        weight_decay: lambda >= 0, 1e-2 by default (PyTorch's default).
    """

    _decoupled = True

    def __init__(self, model, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(model, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
