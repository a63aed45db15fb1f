"""Checkers for the chapter "The data": ``parse_idx(fn)``, ``standardize(fn)`` and ``one_hot(fn)``.

* ``parse_idx(fn)``: ``fn(data)`` takes the bytes of an uncompressed IDX file and returns its uint8 array. Cases:
  a labels file (1 dimension), an images file (3 dimensions), a size above 255 (the sizes are big-endian), a bad
  magic number and a truncated payload (both must raise ``ValueError``).
* ``standardize(fn)``: ``fn(train, test)`` returns ``(train_std, test_std)``, both standardized per feature with
  the mean and standard deviation of ``train`` only (``x' = (x - mu) / s``, ``ddof=0``). Cases: a test set with
  other statistics, features on different scales, a constant feature, one test example, float32, and inputs left
  unchanged. A wrong answer with a known signature (test statistics, one global mean and std, ``ddof=1``) gets
  that diagnosis as its hint.
* ``one_hot(fn)``: ``fn(y, C)`` returns the (N, C) float64 matrix with ``Y[n, y_n] = 1``. Cases: batches that
  miss classes (C must come from the argument), C other than 10, one example, uint8 labels, the dtype.
"""

import struct

import numpy as np

from ..data import standardize as _ref_standardize
from ..functional import one_hot as _ref_one_hot
from ._core import Case, run_cases

__all__ = ["parse_idx", "standardize", "one_hot"]


# parse_idx --------------------------------------------------------------------------------------------------------

def idx_bytes(array, byteorder=">", magic=b"\x00\x00"):
    """The bytes of a uint8 IDX file holding ``array`` (sizes written with ``byteorder``, ">" as the format says)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = magic + bytes([0x08, array.ndim]) + struct.pack(f"{byteorder}{array.ndim}I", *array.shape)
    return header + array.tobytes()


_ENDIAN_HINT = ("the four-byte sizes are big-endian (most significant byte first): read them with "
                "np.frombuffer(data, '>i4', count=k, offset=4), struct.unpack('>I', ...) or "
                "int.from_bytes(b, 'big'); a native int32 read is little-endian on x86 and ARM")


class _ParseCase(Case):
    """A parse case whose hint becomes the big-endian diagnosis when ``fn`` reads a little-endian header fine."""

    def __init__(self, name, array, hint, **kwargs):
        array = np.asarray(array, dtype=np.uint8)
        super().__init__(name, [idx_bytes(array)], array, hint, rtol=0, atol=0, dtype=np.uint8, **kwargs)
        self._array, self._default_hint = array, hint

    def run(self, fn):
        reason = super().run(fn)
        self.hint = self._default_hint
        if reason is not None and Case("", [idx_bytes(self._array, "<")], self._array, "", rtol=0, atol=0).run(
                fn) is None:
            self.hint = "your parser reads the sizes little-endian: " + _ENDIAN_HINT
        return reason


class _RaisesCase(Case):
    """A case that passes when ``fn`` raises ``ValueError`` (or a subclass) on its arguments."""

    def __init__(self, name, args, hint):
        super().__init__(name, args, None, hint)

    def run(self, fn):
        try:
            got = fn(*self.args)
        except ValueError:
            return None
        except Exception as exc:  # any other failure of the reader's code is reported as this case's failure
            return f"raised {type(exc).__name__} instead of ValueError: {exc}"
        return f"returned a result (shape {np.shape(got)}) instead of raising ValueError"


def parse_idx(fn, verbose=True):
    """Check the reader's ``fn(data)``, a parser of uncompressed uint8 IDX bytes, on small generated files.

    Args:
        fn: the reader's function; takes ``bytes`` and returns a uint8 array with the shape in the header.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    images = rng.integers(0, 256, size=(2, 3, 4), dtype=np.uint8)
    long = rng.integers(0, 256, size=300, dtype=np.uint8)
    truncated = idx_bytes(rng.integers(0, 10, size=10, dtype=np.uint8))[:-4]
    bad_magic = idx_bytes(labels, magic=b"\x12\x34")
    cases = [
        _ParseCase("a labels file, 1 dimension (N,) = (7,)", labels,
                   "the header is 4 bytes (00 00, dtype code, k) then k big-endian int32 sizes; with k = 1 the "
                   "payload starts at byte 4 + 4k = 8, not at a fixed offset like 16"),
        _ParseCase("an images file, 3 dimensions (2, 3, 4)", images,
                   "read k = data[3] sizes after the first 4 bytes, then reshape the payload (from byte 4 + 4k) to "
                   "those sizes; return uint8"),
        _ParseCase("a size above 255: (300,) is stored as 00 00 01 2c", long, _ENDIAN_HINT),
        _RaisesCase("a bad magic number (12 34 instead of 00 00) raises ValueError", [bad_magic],
                    "check that the first two bytes are 00 00 and raise ValueError otherwise: bytes that are not "
                    "an IDX file (or still gzipped, 1f 8b) must not be parsed into an array"),
        _RaisesCase("a truncated payload (header says 10 labels, 6 follow) raises ValueError", [truncated],
                    "compare the number of payload bytes with the product of the sizes and raise ValueError if "
                    "they differ: slicing from a fixed offset silently returns a shorter array"),
    ]
    return run_cases("check.parse_idx", fn, cases, verbose)


# standardize ------------------------------------------------------------------------------------------------------

def _by_stats(X, mean, std):
    return (X - mean) / np.where(std == 0, 1, std)


def _test_statistics(train, test):
    return _by_stats(train, train.mean(0), train.std(0)), _by_stats(test, test.mean(0), test.std(0))


def _global_statistics(train, test):
    mean, std = train.mean(), train.std()
    return _by_stats(train, mean, std), _by_stats(test, mean, std)


def _ddof_1(train, test):
    mean, std = train.mean(0), train.std(0, ddof=1)
    return _by_stats(train, mean, std), _by_stats(test, mean, std)


_TEST_STATS_HINT = ("the test part was standardized with the test set's own mean and std: fit mu and s on the "
                    "training set only and apply that same transform to both (a model must see test data "
                    "transformed exactly like its training data)")
_GLOBAL_HINT = ("one mean and one std over all entries were used: compute them per feature, over the rows "
                "(train.mean(axis=0), train.std(axis=0)), so every feature gets mean 0 and std 1 in training")
_DDOF_HINT = ("the std was computed with ddof=1 (divide by N - 1): use the population std, train.std(axis=0) "
              "with the default ddof=0, as nnlib.data.Standardizer does")
_CONSTANT_HINT = ("a feature that is constant in training has std 0, and (x - mu) / 0 is 0/0 = nan: divide by "
                  "1 where std < eps (or add a small eps such as 1e-8 to the std)")

_DIAGNOSES = ((_test_statistics, _TEST_STATS_HINT), (_global_statistics, _GLOBAL_HINT), (_ddof_1, _DDOF_HINT))


class _PairCase(Case):
    """A case of ``fn(train, test) -> (train_std, test_std)``: both parts are compared with the reference."""

    def __init__(self, name, train, test, hint, rtol=1e-4, atol=1e-6, dtype=None, unchanged=False):
        expected = _ref_standardize(train, test)
        super().__init__(name, [train, test], expected, hint, rtol=rtol, atol=atol, dtype=dtype)
        self._default_hint, self._unchanged = hint, unchanged

    def run(self, fn):
        self.hint = self._default_hint
        args = [a.copy() for a in self.args]
        try:
            with np.errstate(all="ignore"):
                got = fn(*args)
        except Exception as exc:  # the reader's code may fail in any way; report it as this case's failure
            return f"raised {type(exc).__name__}: {exc}"
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return f"returned {type(got).__name__}, expected a pair (train_std, test_std)"
        if self._unchanged:
            for name, before, after in zip(("train", "test"), self.args, args):
                if not np.array_equal(before, after):
                    self.hint = ("work on new arrays (X - mu) / s instead of X -= mu, X /= s: the caller's data "
                                 "must stay as it was")
                    return f"modified its argument {name} in place"
        for part, got_part, expected_part in zip(("train_std", "test_std"), got, self.expected):
            reason = Case(self.name, [], expected_part, "", self.rtol, self.atol, self.dtype).run(lambda: got_part)
            if reason is not None:
                self.hint = self._diagnose(got) or self._default_hint
                return f"{part} {reason}"
        return None

    def _diagnose(self, got):
        train, test = self.args
        try:
            got = [np.asarray(g, dtype=np.float64) for g in got]
            for wrong, hint in _DIAGNOSES:
                with np.errstate(all="ignore"):
                    candidate = wrong(train.astype(np.float64), test.astype(np.float64))
                if all(g.shape == c.shape and np.all(np.isfinite(c)) and np.allclose(g, c, rtol=1e-4, atol=1e-6)
                       for g, c in zip(got, candidate)):
                    return hint
        except Exception:  # a diagnosis is a bonus: never let it hide the report
            return None
        return None


def _standardize_data():
    """Named (train, test) pairs for the cases of :func:`standardize`."""
    rng = np.random.default_rng(21)
    # "shifted": every training column has mean exactly 50 and std exactly 10, so one global mean and std equal the
    # per-feature ones there and only the test set's statistics (other mean, twice the spread) matter.
    base = rng.normal(size=(40, 4))
    same = (base - base.mean(0)) / base.std(0) * 10 + 50  # (N, D)
    shifted = rng.normal(size=(12, 4)) * 20 + 70  # (M, D)
    # "scales": features with different means and scales, tested on the training set itself, so only
    # per-feature versus global statistics matter.
    mu, scale = np.array([0.0, 50.0, -20.0, 120.0]), np.array([2.0, 30.0, 5.0, 60.0])
    train = rng.normal(size=(40, 4)) * scale + mu  # (N, D)
    test = rng.normal(size=(12, 4)) * 2 * scale + mu + scale  # (M, D): shifted and wider
    constant_train, constant_test = train.copy(), test.copy()
    constant_train[:, 2] = constant_test[:, 2] = 3.0  # a blank pixel: the same value everywhere
    return {"shifted": (same, shifted), "scales": (train, train.copy()), "mixed": (train, test),
            "constant": (constant_train, constant_test), "one": (train, test[:1]),
            "float32": (train.astype(np.float32), test.astype(np.float32))}


def standardize(fn, verbose=True):
    """Check the reader's ``fn(train, test)``, per-feature standardization with training statistics only.

    The reference is :func:`nnlib.data.standardize`: ``x' = (x - mu) / s`` with ``mu`` and ``s`` the mean and the
    (``ddof=0``) standard deviation of ``train`` over its rows, and ``s = 1`` for a feature that is constant in
    ``train``. An ``eps`` of up to about 1e-4 added to ``s`` instead passes too (tolerance ``rtol=1e-4``).

    Args:
        fn: the reader's function; takes train (N, D) and test (M, D) and returns ``(train_std, test_std)``.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    d = _standardize_data()
    cases = [
        _PairCase("a test set with other statistics (use the training statistics)", *d["shifted"],
                  "the training mean and std standardize both sets: fit on train only, apply to test"),
        _PairCase("features on different scales (per-feature statistics)", *d["scales"], _GLOBAL_HINT),
        _PairCase("a constant feature (std 0) in training", *d["constant"], _CONSTANT_HINT),
        _PairCase("a single test example (M = 1)", *d["one"],
                  "one example has no statistics of its own (its std is 0): use the training mean and std"),
        _PairCase("float32 input stays float32", *d["float32"],
                  "float32 data must give float32 results: compute mu and s from the float32 arrays and do not "
                  "convert with .astype(float) or np.float64 arrays", dtype=np.float32),
        _PairCase("train and test are left unchanged", *d["mixed"],
                  "return new arrays, (X - mu) / s, computed with the training mu and s", unchanged=True),
    ]
    return run_cases("check.standardize", fn, cases, verbose)


# one_hot ----------------------------------------------------------------------------------------------------------

_C_HINT = ("take C from the argument, never from the labels (y.max() + 1 or len(np.unique(y))): a batch may "
           "miss some classes, and Y must still have one column per class the model predicts")
_TEN_HINT = "do not hard-code 10 classes (np.eye(10)): use the C passed in"
_DTYPE_HINT = ("make Y float64 (np.zeros((N, C)) is float64), whatever the labels' dtype: a uint8 Y wraps around "
               "(Y - 1 gives 255) and a bool Y cannot be subtracted from another bool array")


class _OneHotCase(Case):
    """A one-hot case whose hint names the mistake when the result's dtype or number of columns gives it away."""

    def __init__(self, name, y, C, hint):
        super().__init__(name, [y, C], _ref_one_hot(y, C), hint, rtol=0, atol=0, dtype=np.float64)
        self._default_hint = hint

    def run(self, fn):
        reason = super().run(fn)
        y, C = self.args
        self.hint = self._default_hint
        if reason is None:
            return None
        if reason.startswith("returned dtype"):
            self.hint = _DTYPE_HINT
        elif reason.startswith("raised IndexError") or reason.startswith(f"returned shape ({y.size}, "):
            inferred = {int(y.max()) + 1, np.unique(y).size} - {C}
            if reason.startswith("raised IndexError") or any(f"({y.size}, {k})" in reason for k in inferred):
                self.hint = _C_HINT
            elif f"({y.size}, 10)" in reason:
                self.hint = _TEN_HINT
        return reason


def one_hot(fn, verbose=True):
    """Check the reader's ``fn(y, C)``, one-hot encoding of integer labels, against :func:`nnlib.one_hot`.

    Args:
        fn: the reader's function; takes labels ``y`` of shape (N,) in [0, C) and the number of classes C, and
            returns a float64 array Y of shape (N, C) with ``Y[n, y_n] = 1`` and zeros elsewhere.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    case = _OneHotCase
    cases = [
        case("every class present, C = 4", np.array([0, 3, 1, 2, 2]), 4,
             "set Y[n, y[n]] = 1 in an (N, C) array of zeros, e.g. Y[np.arange(N), y] = 1"),
        case("a batch without classes 8 and 9 (C = 10)", np.array([0, 0, 3, 0, 2, 7, 2, 5]), 10, _C_HINT),
        case("a batch without class 0 (C = 3)", np.array([2, 1, 2]), 3, _C_HINT),
        case("C = 3 classes, not 10", np.array([0, 1, 2, 1]), 3, _TEN_HINT),
        case("one example, shape (1, C)", np.array([4]), 6, "a single label must give shape (1, C), not (C,)"),
        case("uint8 labels as read from an IDX file give float64", np.array([9, 0, 0, 3], dtype=np.uint8), 10,
             _DTYPE_HINT),
    ]
    return run_cases("check.one_hot", fn, cases, verbose)
