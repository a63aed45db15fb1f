"""Data for the book: Fashion-MNIST and MNIST, scikit-learn's 8x8 digits, standardization and mini-batches.

Each of the four IDX files of Fashion-MNIST or MNIST (``train-images-idx3-ubyte`` ...) is taken from the first
of these places that has it:

1. ``$NNLIB_DATA``: a directory with the files named as published, gzipped (``.gz``) or not. Its subdirectory
   ``fashion-mnist/`` or ``mnist/`` is searched first, so one directory can hold both data sets.
2. The Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist/``), Fashion-MNIST only.
3. nnlib's download cache, ``pooch.os_cache("nnlib")/<data set>/``.
4. A download with pooch into that cache: atomic, checked against the published archive's hash.

Wherever a file comes from, the SHA-256 of its *uncompressed* IDX content must equal the official file's (Debian
re-gzips the files, so its archives differ from the published ones while their content is the same). A mismatch
raises :class:`ChecksumError`, except in the download cache, where it is reported and the file downloaded again.
"""

import numbers

import numpy as np

from ._checks import as_float_array, check_bool, check_positive_int, check_rng
from ._idx import DATASETS, ChecksumError, DataFile, DataNotFoundError, IDXFormatError, fetch_data, load_all

__all__ = [
    "load_fashion_mnist", "load_mnist", "load_digits", "fetch_data", "FASHION_MNIST_CLASSES",
    "DataFile", "standardize", "Standardizer", "batches", "validation_split",
    "DataNotFoundError", "ChecksumError", "IDXFormatError",
]

#: The 10 class names of Fashion-MNIST in label order (``FASHION_MNIST_CLASSES[9]`` is ``"Ankle boot"``).
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot")


def _image_dtype(flatten, dtype, where):
    if dtype is None:
        return np.dtype(np.float32 if flatten else np.uint8)
    dtype = np.dtype(dtype)
    if dtype.kind != "f" and dtype != np.uint8:
        raise TypeError(f"{where}: dtype must be a floating dtype (pixels scaled to [0, 1]) or np.uint8 (raw "
                        f"0..255), got {dtype}. Use e.g. dtype=np.float32.")
    return dtype


def _load_images(dataset, flatten, dtype, where):
    dtype = _image_dtype(flatten, dtype, where)
    arrays = load_all(dataset, where)
    result = []
    for split in ("train", "t10k"):
        X, y = arrays[f"{split}-images-idx3-ubyte"][0], arrays[f"{split}-labels-idx1-ubyte"][0]
        if flatten:
            X = X.reshape(X.shape[0], -1)  # (N, 784)
        if dtype == np.uint8:
            X = X.copy()  # the cached arrays are read-only and shared
        else:
            X = X.astype(dtype)
            X /= 255  # exact at 0 and 255
        result.append((X, y.astype(np.int64)))
    return tuple(result)


def load_fashion_mnist(flatten=False, dtype=None):
    """Fashion-MNIST (Zalando): 28x28 grey images of 10 clothing classes, 60,000 for training, 10,000 for testing.

    Args:
        flatten: False gives images of shape (N, 28, 28); True gives rows of shape (N, 784) = (N, D).
        dtype: None (the default) gives uint8 pixels 0..255 when ``flatten`` is False and float32 scaled to
            [0, 1] when it is True. Any floating dtype gives pixels / 255 in [0, 1]; np.uint8 gives raw pixels.

    Returns:
        ``(X_train, y_train), (X_test, y_test)``: images as above (fresh arrays the caller may modify), labels
        int64 of shape (N,) in [0, 10); the class names are :data:`FASHION_MNIST_CLASSES`.

    Raises:
        DataNotFoundError: the files are nowhere and cannot be downloaded; the message says how to get them.
        ChecksumError, IDXFormatError: a file is corrupt, truncated or not the official one.
    """
    return _load_images("fashion-mnist", flatten, dtype, "load_fashion_mnist")


def load_mnist(flatten=False, dtype=None):
    """MNIST handwritten digits 0-9: 60,000 training and 10,000 test images of 28x28 pixels.

    Same arguments, returns and errors as :func:`load_fashion_mnist`; labels are the digits themselves.
    """
    return _load_images("mnist", flatten, dtype, "load_mnist")


def _check_fraction(fraction, name, where):
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
        raise ValueError(f"{where}: {name} must be a number strictly between 0 and 1, got {fraction!r}.")
    return float(fraction)


def load_digits(rng, test_size=0.25, dtype=np.float64):
    """scikit-learn's bundled 8x8 digits (1,797 images, C = 10; no download), split into train and test.

    Pixels (0..16) are divided by 16, so features lie in [0, 1]. The split is stratified: in each class a fraction
    ``test_size`` (rounded) of the examples, drawn with ``rng``, goes to the test set; both sets are then shuffled.

    Args:
        rng: a ``np.random.Generator`` or an int seed; the same seed gives the same split.
        test_size: fraction of each class in the test set, in (0, 1).
        dtype: floating dtype of the features.

    Returns:
        ``(X_train, y_train), (X_test, y_test)``: features of shape (N, 64) = (N, D), labels int64 of shape (N,).
    """
    rng = check_rng(rng, "load_digits")
    test_size = _check_fraction(test_size, "test_size", "load_digits")
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"load_digits: dtype must be floating point, got {np.dtype(dtype)}.")
    from sklearn.datasets import load_digits as sklearn_digits  # slow to import: only when asked for

    bunch = sklearn_digits()
    X = (bunch.data / 16.0).astype(dtype)  # (N, 64)
    y = bunch.target.astype(np.int64)  # (N,)
    test = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        test.append(members[: round(test_size * members.size)])
    test = np.concatenate(test)
    train = np.setdiff1d(np.arange(y.size), test)
    train, test = rng.permutation(train), rng.permutation(test)
    return (X[train], y[train]), (X[test], y[test])


def validation_split(X, y, fraction, rng):
    """Hold out a random ``fraction`` of the rows of ``(X, y)`` as a validation set (a plain shuffled split).

    Args:
        X: shape (N, ...); y: shape (N,) (or any array with N rows).
        fraction: share of the rows in the validation set, in (0, 1); its size is ``round(fraction * N)``.
        rng: a ``np.random.Generator`` or an int seed.

    Returns:
        ``(X_train, y_train), (X_val, y_val)``, new arrays in shuffled order that partition the N rows.
    """
    rng = check_rng(rng, "validation_split")
    fraction = _check_fraction(fraction, "fraction", "validation_split")
    X, y = _check_xy(X, y, "validation_split")
    n = X.shape[0]
    n_val = round(fraction * n)
    if not 0 < n_val < n:
        raise ValueError(f"validation_split: fraction={fraction} of N={n} rows leaves {n_val} for validation and "
                         f"{n - n_val} for training; both need at least one row.")
    order = rng.permutation(n)
    val, train = order[:n_val], order[n_val:]
    return (X[train], y[train]), (X[val], y[val])


def _check_xy(X, y, where):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{where}: X and y must have one row per example, got shapes {X.shape} and {y.shape}.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{where}: X and y disagree on N: X has shape {X.shape}, y has shape {y.shape}. Pass one "
                         "label per row of X.")
    if X.shape[0] == 0:
        raise ValueError(f"{where}: X is empty (shape {X.shape}); pass at least one example.")
    return X, y


def batches(X, y, batch_size, rng=None, drop_last=False):
    """Mini-batches ``(X[idx], y[idx])`` covering each of the N rows exactly once (one epoch).

    With ``rng``, one permutation of the N rows is drawn and each batch is gathered by fancy indexing; without it,
    batches are consecutive slices (views, no copy). The last batch has ``N % batch_size`` rows when that is not 0,
    unless ``drop_last``: then only the ``N // batch_size`` full batches are returned (with ``rng``, the rows left
    out are different in every epoch). A batch of a few rows gives a much noisier gradient than the others.

    Args:
        X: shape (N, D) (or (N, ...)); y: shape (N,) (or (N, C) targets).
        batch_size: rows per batch, a positive int.
        rng: a ``np.random.Generator`` or an int seed to shuffle, or None to keep the order.
        drop_last: leave out the last, partial batch (it needs ``batch_size <= N``).

    Returns:
        An iterator of ``(X_batch, y_batch)`` pairs; the arguments are checked at the call, not at the first batch.
    """
    X, y = _check_xy(X, y, "batches")
    batch_size = check_positive_int(batch_size, "batch_size", "batches")
    n = X.shape[0]
    if check_bool(drop_last, "drop_last", "batches"):
        if batch_size > n:
            raise ValueError(
                f"batches: drop_last=True with batch_size={batch_size} > N={n} rows leaves no full batch; "
                "use a smaller batch_size or drop_last=False."
            )
        n -= n % batch_size                       # the end of the last full batch
    if rng is None:
        return ((X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, n, batch_size))
    order = check_rng(rng, "batches").permutation(X.shape[0])
    X, y = np.ascontiguousarray(X), np.ascontiguousarray(y)  # row gathers are fastest from C-order (no-op if so)
    return ((X[idx], y[idx]) for idx in (order[i:i + batch_size] for i in range(0, n, batch_size)))


class Standardizer:
    """Per-feature standardization ``x' = (x - mu) / s``, with ``mu`` and ``s`` from the training set only.

    ``mu`` and ``std`` are the training mean and standard deviation over the rows (axis 0). The divisor ``s`` is
    ``std``, except that features with ``std < eps`` (constant in training, like blank border pixels) get ``s = 1``:
    they are only centred, instead of being divided by ~0 and blowing up on new data.

    Usage: ``st = Standardizer().fit(X_train)``, then ``st.transform(X_test)``; ``st.mean`` and ``st.std`` have the
    shape of one row (D,).
    """

    def __init__(self, eps=1e-8):
        self.eps = float(eps)
        self.mean = self.std = None

    @staticmethod
    def _as_float(X, name, where):
        X = np.asarray(X)
        if X.dtype.kind in "biu":
            X = X.astype(np.float64)  # e.g. uint8 pixels
        return as_float_array(X, name, where)

    def fit(self, X):
        """Compute ``mean`` and ``std`` of ``X`` (N, D) over its rows (accumulated in float64); returns self."""
        X = self._as_float(X, "X", "Standardizer.fit")
        mean = X.mean(axis=0, dtype=np.float64)
        centred = X - mean.astype(X.dtype)
        np.square(centred, out=centred)
        self.mean = mean.astype(X.dtype)
        self.std = np.sqrt(centred.mean(axis=0, dtype=np.float64)).astype(X.dtype)
        return self

    def transform(self, X):
        """Return ``(X - mean) / s`` (a new array with the dtype of ``X``, float64 for integer input)."""
        if self.mean is None:
            raise RuntimeError("Standardizer.transform called before fit: call fit(X_train) first.")
        X = self._as_float(X, "X", "Standardizer.transform")
        if X.shape[1:] != self.mean.shape:
            raise ValueError(f"Standardizer.transform: X has rows of shape {X.shape[1:]}, but the statistics were "
                             f"fitted on rows of shape {self.mean.shape}.")
        scale = np.where(self.std < self.eps, 1, self.std).astype(X.dtype)
        return (X - self.mean.astype(X.dtype)) / scale

    def __repr__(self):
        fitted = "unfitted" if self.mean is None else f"D={self.mean.size}"
        return f"Standardizer({fitted}, eps={self.eps:g})"


def standardize(train, *others, eps=1e-8):
    """Standardize ``train`` and every array in ``others`` with the per-feature statistics of ``train`` only.

    ``x' = (x - mu) / s`` with ``mu``, ``s`` the mean and standard deviation of ``train`` over its rows; see
    :class:`Standardizer` for ``eps`` (constant features are only centred) and to keep ``mu`` and ``s``.

    Args:
        train: shape (N, D); its statistics are used for all arrays. Integer input is converted to float64.
        *others: arrays of shape (M, D), e.g. the validation and test sets.
        eps: standard deviations below it count as 0.

    Returns:
        Always a tuple ``(train_std, *others_std)`` of new arrays: ``X_train, X_test = standardize(X_train, X_test)``.
    """
    st = Standardizer(eps=eps).fit(train)
    return tuple(st.transform(a) for a in (train, *others))
