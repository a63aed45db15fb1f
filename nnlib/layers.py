"""Layers: each one a ``forward(X) -> Y`` and ``backward(dY) -> dX`` pair.

A layer keeps its parameters and their gradients in two dicts with the same keys (``params["W"]``,
``grads["W"]``), caches only what its backward pass needs, and raises a clear error if ``backward`` is called
before ``forward``. Shapes: N examples, D input features, H output units.
"""

import numpy as np

from . import init as _init
from ._checks import as_float_array, check_positive_int

__all__ = ["Layer", "Linear", "ReLU", "LeakyReLU", "ELU", "Sigmoid", "Tanh", "Softmax", "Sequential"]


class Layer:
    """Base class: no parameters, identity ``__call__`` to ``forward``, and the backward-before-forward check."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self._cache = None

    def __call__(self, X):
        return self.forward(X)

    def forward(self, X):
        """Compute the layer's output for a batch ``X``."""
        raise NotImplementedError

    def backward(self, dY):
        """Given ``dL/dY``, fill ``self.grads`` and return ``dL/dX``."""
        raise NotImplementedError

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward: run forward(X) on the batch first."
            )
        return self._cache

    def _check_dY(self, dY, Y_shape):
        dY = as_float_array(dY, "dY", f"{type(self).__name__}.backward", finite=False)
        if dY.shape != Y_shape:
            raise ValueError(
                f"{type(self).__name__}.backward: dY must have the shape of the forward output {Y_shape}, "
                f"got {dY.shape}."
            )
        return dY

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Affine layer ``Y = X W + b`` with ``W`` of shape (D, H) and ``b`` of shape (H,).

    Backward: ``dW = X^T dY``, ``db = sum_n dY_n``, ``dX = dY W^T``.

    Args:
        in_features: D.
        out_features: H.
        rng: ``np.random.Generator`` (or int seed) used to draw ``W``.
        init: ``"xavier"`` (Glorot uniform, the default), ``"xavier_normal"``, ``"he"`` (He normal),
            ``"he_uniform"``, ``"zeros"``, or a callable ``f(shape, rng, dtype) -> array``.
        dtype: parameter dtype, float64 by default; with ``np.float32`` a float32 input stays float32.
    """

    def __init__(self, in_features, out_features, rng, init="xavier", dtype=np.float64):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features", "Linear")
        self.out_features = check_positive_int(out_features, "out_features", "Linear")
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"Linear: dtype must be a floating dtype such as np.float32, got {self.dtype}.")
        self.params["W"] = _init.initialize(init, (self.in_features, self.out_features), rng, self.dtype, "Linear")
        self.params["b"] = np.zeros(self.out_features, dtype=self.dtype)
        self.grads["W"] = np.zeros_like(self.params["W"])
        self.grads["b"] = np.zeros_like(self.params["b"])

    def forward(self, X):
        """``Y = X W + b``: X (N, D) -> Y (N, H), computed in the layer's dtype."""
        X = as_float_array(X, "X", "Linear.forward", ndim=2, finite=False)
        if X.shape[1] != self.in_features:
            raise ValueError(
                f"Linear.forward: {self!r} expects X of shape (N, {self.in_features}), got {X.shape}. "
                "Flatten images first (X.reshape(len(X), -1)) or build Linear with the right in_features."
            )
        X = X.astype(self.dtype, copy=False)
        self._cache = X
        Y = X @ self.params["W"]
        Y += self.params["b"]
        return Y

    def backward(self, dY, input_grad=True):
        """Fill ``grads["W"] = X^T dY`` and ``grads["b"] = sum_n dY_n``; return ``dX = dY W^T`` (N, D).

        With ``input_grad=False`` (the first layer of a network, whose input needs no gradient) the product
        ``dY W^T`` is skipped and None is returned.
        """
        X = self._cached()
        dY = self._check_dY(dY, (X.shape[0], self.out_features)).astype(self.dtype, copy=False)
        np.matmul(X.T, dY, out=self.grads["W"])
        dY.sum(axis=0, out=self.grads["b"])
        if not input_grad:
            return None
        return dY @ self.params["W"].T

    def __repr__(self):
        dt = "" if self.dtype == np.float64 else f", {self.dtype}"
        return f"Linear({self.in_features} -> {self.out_features}{dt})"


class ReLU(Layer):
    """``relu(x) = max(x, 0)``; derivative 1 where x > 0, else 0 (0 is used at the kink x = 0)."""

    def forward(self, X):
        X = as_float_array(X, "X", "ReLU.forward", finite=False)
        self._cache = X > 0                              # the derivative, as a boolean mask (1 byte per entry)
        return np.maximum(X, 0)                          # one pass, in X's dtype

    def backward(self, dY):
        mask = self._cached()
        dY = self._check_dY(dY, mask.shape)
        return np.multiply(dY, mask, dtype=dY.dtype)


class LeakyReLU(Layer):
    """``leaky_relu(x) = x if x > 0 else alpha x``; derivative 1 or alpha.

    Args:
        alpha: slope for negative inputs (0.01 by default).
    """

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, X):
        X = as_float_array(X, "X", "LeakyReLU.forward", finite=False)
        slope = np.where(X > 0, 1, self.alpha).astype(X.dtype)
        self._cache = slope
        return X * slope

    def backward(self, dY):
        slope = self._cached()
        return self._check_dY(dY, slope.shape) * slope

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha:g})"


class ELU(Layer):
    """``elu(x) = x if x > 0 else alpha (exp(x) - 1)``; derivative 1 or ``elu(x) + alpha``.

    Args:
        alpha: saturation value for large negative inputs is ``-alpha`` (1.0 by default).
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, X):
        X = as_float_array(X, "X", "ELU.forward", finite=False)
        neg = self.alpha * np.expm1(np.minimum(X, 0))
        Y = np.where(X > 0, X, neg).astype(X.dtype, copy=False)
        self._cache = np.where(X > 0, 1, neg + self.alpha).astype(X.dtype, copy=False)
        return Y

    def backward(self, dY):
        slope = self._cached()
        return self._check_dY(dY, slope.shape) * slope

    def __repr__(self):
        return f"ELU(alpha={self.alpha:g})"


class Sigmoid(Layer):
    """``sigmoid(x) = 1 / (1 + exp(-x))``; derivative ``s (1 - s)``, at most 1/4 (why deep sigmoid nets stall)."""

    def forward(self, X):
        X = as_float_array(X, "X", "Sigmoid.forward", finite=False)
        # exp(-|x|) never overflows; the two branches are the same function.
        e = np.exp(-np.abs(X))
        S = np.where(X >= 0, 1 / (1 + e), e / (1 + e)).astype(X.dtype, copy=False)
        self._cache = S
        return S

    def backward(self, dY):
        S = self._cached()
        return self._check_dY(dY, S.shape) * S * (1 - S)


class Tanh(Layer):
    """``tanh(x)``; derivative ``1 - tanh(x)^2``."""

    def forward(self, X):
        X = as_float_array(X, "X", "Tanh.forward", finite=False)
        T = np.tanh(X)
        self._cache = T
        return T

    def backward(self, dY):
        T = self._cached()
        return self._check_dY(dY, T.shape) * (1 - T * T)


class Softmax(Layer):
    """Softmax over the last axis as a layer (the "separate" path of the book).

    Backward is the vector-Jacobian product ``dX = p * (dY - sum_j dY_j p_j)``, which equals ``dY J`` for
    ``J = diag(p) - p p^T`` but costs O(C) per row instead of building the (C, C) matrix.
    """

    def forward(self, X):
        from .functional import softmax

        P = softmax(as_float_array(X, "X", "Softmax.forward", ndim=2))
        self._cache = P
        return P

    def backward(self, dY):
        P = self._cached()
        dY = self._check_dY(dY, P.shape)
        return P * (dY - np.sum(dY * P, axis=-1, keepdims=True))


class Sequential(Layer):
    """A chain of layers: ``forward`` runs them in order, ``backward`` in reverse.

    The layers are in ``model.layers``; ``model.params`` and ``model.grads`` are flat views keyed
    ``"<index>.<name>"`` (e.g. ``"0.W"``) of the same arrays the layers hold.
    """

    def __init__(self, *layers):
        self._cache = None
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: argument {i} must be an nnlib layer (with forward/backward), got {layer!r}."
                )
        self.layers = list(layers)

    @property
    def params(self):
        """All parameters, keyed ``"<layer index>.<name>"``: the layers' own arrays, not copies."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self):
        """All gradients, keyed like :attr:`params`: the layers' own arrays, filled by :meth:`backward`."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def forward(self, X):
        """Run every layer in order and return the last output."""
        self._cache = True
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY, input_grad=True):
        """Run every layer's backward in reverse order; return ``dL/dX`` (None if ``input_grad=False``)."""
        self._cached()
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if i == 0 and not input_grad and isinstance(layer, Linear):
                return layer.backward(dY, input_grad=False)
            dY = layer.backward(dY)
        return dY if input_grad else None

    def num_parameters(self):
        """Total number of scalar parameters."""
        return int(sum(p.size for p in self.params.values()))

    def save(self, path):
        """Save the parameters to ``path`` (.npz, no pickle); see :func:`nnlib.save`."""
        from .serialize import save

        save(self, path)

    def load(self, path):
        """Load parameters saved by :meth:`save` into this model; see :func:`nnlib.load`."""
        from .serialize import load

        load(self, path)
        return self

    def __repr__(self):
        lines = [f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + f"\n)  # {self.num_parameters():,} parameters"
