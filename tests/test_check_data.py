"""The chapter "The data" checkers pass correct answers and name the case and the fix for each typical mistake.

The correct answers are the exercise solutions printed in book/data.ipynb; the tests at the end also check the
other claims those solutions make.
"""

import struct

import numpy as np
import pytest

import nnlib
from nnlib.check import one_hot as check_one_hot
from nnlib.check import parse_idx as check_parse_idx
from nnlib.check import standardize as check_standardize
from nnlib._idx import parse_idx as nnlib_parse_idx
from nnlib.check.data import idx_bytes


def failed(report):
    """{case name: (reason, hint)} of the failed cases."""
    return {name: (reason, hint) for name, reason, hint in report.failed}


def failed_case(report, words):
    """The (reason, hint) of the one failed case whose name contains ``words``."""
    found = [v for name, v in failed(report).items() if words in name]
    assert len(found) == 1, f"expected one failed case named like {words!r}, failed: {list(failed(report))}"
    return found[0]


# Correct answers (the exercise solutions of the chapter) ---------------------------------------------------------

IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def my_parse_idx(data):
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ValueError("bad magic number: an IDX file starts with 00 00")
    code, k = data[2], data[3]
    if code not in IDX_TYPES:
        raise ValueError(f"unknown IDX type code 0x{code:02x}")
    if len(data) < 4 + 4 * k:
        raise ValueError("truncated header")
    sizes = struct.unpack(f">{k}I", data[4:4 + 4 * k])
    dtype = IDX_TYPES[code]
    n = int(np.prod(sizes))
    if len(data) - 4 - 4 * k != n * dtype.itemsize:
        raise ValueError(f"payload of {len(data) - 4 - 4 * k} bytes, header declares {n} values of {dtype.itemsize}")
    values = np.frombuffer(data, dtype=dtype, offset=4 + 4 * k).reshape(sizes)
    return values.astype(dtype.newbyteorder("="))


def write_idx(array):
    array = np.asarray(array)
    code = next(c for c, t in IDX_TYPES.items() if t.kind == array.dtype.kind and t.itemsize == array.dtype.itemsize)
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(IDX_TYPES[code]).tobytes()


def parse_idx_bytes(data):
    """The parser written in the chapter's text."""
    if data[:3] != b"\x00\x00\x08":
        raise ValueError(f"not a uint8 IDX file: it starts with {data[:3].hex(' ')}, expected 00 00 08")
    k = data[3]
    sizes = struct.unpack(f">{k}I", data[4:4 + 4 * k])
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * k)
    if payload.size != np.prod(sizes):
        raise ValueError(f"the header declares sizes {sizes}, {payload.size} bytes follow")
    return payload.reshape(sizes)


def my_standardize(train, test):
    mu = train.mean(axis=0)
    s = train.std(axis=0)
    s = np.where(s < 1e-8, 1, s).astype(train.dtype)
    return (train - mu) / s, (test - mu) / s


def standardize_with_eps(train, test):
    mu, s = train.mean(axis=0), train.std(axis=0) + 1e-8
    return (train - mu) / s, (test - mu) / s


def my_one_hot(y, C):
    y = np.asarray(y)
    Y = np.zeros((y.shape[0], C))
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def stratified_split(y, fraction, rng):
    rng = np.random.default_rng(rng)
    val = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        val.append(members[: round(fraction * members.size)])
    val_idx = rng.permutation(np.concatenate(val))
    fit_idx = rng.permutation(np.setdiff1d(np.arange(len(y)), val_idx))
    return fit_idx, val_idx


@pytest.mark.parametrize("fn", [my_parse_idx, parse_idx_bytes, nnlib_parse_idx],
                         ids=["exercise solution", "chapter parser", "nnlib's parser"])
def test_parse_idx_passes_correct_parsers(fn):
    report = check_parse_idx(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 5


@pytest.mark.parametrize("fn", [my_standardize, standardize_with_eps, lambda tr, te: nnlib.data.standardize(tr, te)],
                         ids=["exercise solution", "eps added to the std", "nnlib.data.standardize"])
def test_standardize_passes_correct_answers(fn):
    report = check_standardize(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 6


@pytest.mark.parametrize("fn", [my_one_hot, nnlib.one_hot], ids=["exercise solution", "nnlib.one_hot"])
def test_one_hot_passes_correct_answers(fn):
    report = check_one_hot(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 6


def test_the_checkers_are_exported_and_print_their_report(capsys):
    assert nnlib.check.parse_idx is check_parse_idx and nnlib.check.one_hot is check_one_hot
    assert nnlib.check.standardize is check_standardize
    check_one_hot(my_one_hot)
    assert "check.one_hot: 6/6 cases passed" in capsys.readouterr().out
    with pytest.raises(TypeError, match="pass your function itself"):
        check_standardize(my_standardize(np.ones((2, 1)), np.ones((2, 1))))


# parse_idx: typical wrong answers --------------------------------------------------------------------------------

def parse_little_endian(data):
    if data[:2] != b"\x00\x00":
        raise ValueError("magic")
    k = data[3]
    sizes = np.frombuffer(data, dtype=np.int32, count=k, offset=4)  # native int32: little-endian on x86 and ARM
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * k).reshape(sizes)


def read_at_fixed_offset(data):
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def parse_without_magic_check(data):
    k = data[3]
    sizes = struct.unpack(f">{k}I", data[4:4 + 4 * k])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * k).reshape(sizes)


def parse_to_int64(data):
    return parse_idx_bytes(data).astype(np.int64)


def test_idx_bytes_writes_the_published_layout():
    data = idx_bytes(np.zeros((60000, 28, 28), dtype=np.uint8)[:1])
    assert data[:16] == bytes.fromhex("00000803 00000001 0000001c 0000001c")
    assert idx_bytes(np.arange(3, dtype=np.uint8), "<")[4:8] == bytes.fromhex("03000000")


def test_little_endian_sizes_fail_every_parse_case_with_the_big_endian_hint():
    report = check_parse_idx(parse_little_endian, verbose=False)
    fails = failed(report)
    assert len(fails) == 3 and all("raises ValueError" not in name for name in fails)
    for reason, hint in fails.values():
        assert "little-endian" in hint and "'>i4'" in hint


def test_a_fixed_offset_fails_on_images_bad_magic_and_truncation():
    report = check_parse_idx(read_at_fixed_offset, verbose=False)
    assert len(report.failed) == 3
    reason, hint = failed_case(report, "images file")
    assert reason == "returned shape (32,), expected (2, 3, 4)" and "4 + 4k" in hint
    reason, hint = failed_case(report, "bad magic")
    assert "instead of raising ValueError" in reason and "00 00" in hint
    reason, hint = failed_case(report, "truncated")
    assert reason == "returned a result (shape (6,)) instead of raising ValueError" and "product of the sizes" in hint


def test_a_missing_magic_check_fails_only_the_magic_case():
    report = check_parse_idx(parse_without_magic_check, verbose=False)
    assert list(failed(report)) == ["a bad magic number (12 34 instead of 00 00) raises ValueError"]


def test_a_parser_raising_another_exception_is_reported_with_its_type():
    def assert_magic(data):
        assert data[:2] == b"\x00\x00"
        return parse_without_magic_check(data)

    reason, _ = failed_case(check_parse_idx(assert_magic, verbose=False), "bad magic")
    assert reason.startswith("raised AssertionError instead of ValueError")


def test_a_parser_returning_int64_fails_on_the_dtype():
    report = check_parse_idx(parse_to_int64, verbose=False)
    assert len(report.failed) == 3
    assert all(reason == "returned dtype int64, expected uint8" for reason, _ in failed(report).values())


# standardize: typical wrong answers ------------------------------------------------------------------------------

def standardize_with_test_statistics(train, test):
    def own(X):
        s = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(s == 0, 1, s)
    return own(train), own(test)


def standardize_globally(train, test):
    mu, s = train.mean(), train.std()
    return (train - mu) / s, (test - mu) / s


def standardize_without_guard(train, test):
    mu, s = train.mean(axis=0), train.std(axis=0)
    return (train - mu) / s, (test - mu) / s


def standardize_in_float64(train, test):
    return my_standardize(train.astype(np.float64), test.astype(np.float64))


def standardize_in_place(train, test):
    mu, s = train.mean(axis=0), train.std(axis=0)
    s = np.where(s < 1e-8, 1, s)
    train -= mu
    train /= s
    test -= mu
    test /= s
    return train, test


def standardize_with_ddof_1(train, test):
    mu, s = train.mean(axis=0), train.std(axis=0, ddof=1)
    s = np.where(s < 1e-8, 1, s)
    return (train - mu) / s, (test - mu) / s


def test_test_statistics_are_diagnosed_and_named_in_the_first_case():
    report = check_standardize(standardize_with_test_statistics, verbose=False)
    reason, hint = failed_case(report, "other statistics (use the training statistics)")
    assert reason.startswith("test_std values differ") and "test set's own mean and std" in hint
    assert "features on different scales (per-feature statistics)" in report.passed
    reason, hint = failed_case(report, "single test example")
    assert "test set's own mean and std" in hint


def test_global_statistics_are_diagnosed_in_the_per_feature_case():
    report = check_standardize(standardize_globally, verbose=False)
    assert "a test set with other statistics (use the training statistics)" in report.passed
    reason, hint = failed_case(report, "per-feature")
    assert reason.startswith("train_std values differ") and "per feature" in hint and "axis=0" in hint


def test_an_unguarded_zero_std_gives_nan_and_the_eps_hint():
    report = check_standardize(standardize_without_guard, verbose=False)
    assert len(report.failed) == 1
    reason, hint = failed_case(report, "constant feature")
    assert reason == "train_std returned nan or inf" and "eps" in hint and "std 0" in hint


def test_a_conversion_to_float64_fails_only_the_float32_case():
    report = check_standardize(standardize_in_float64, verbose=False)
    assert list(failed(report)) == ["float32 input stays float32"]
    reason, hint = failed_case(report, "float32")
    assert reason == "train_std returned dtype float64, expected float32" and "float32" in hint


def test_an_in_place_version_fails_the_unchanged_case():
    report = check_standardize(standardize_in_place, verbose=False)
    assert list(failed(report)) == ["train and test are left unchanged"]
    reason, hint = failed_case(report, "unchanged")
    assert reason == "modified its argument train in place" and "new arrays" in hint


def test_ddof_1_is_diagnosed():
    report = check_standardize(standardize_with_ddof_1, verbose=False)
    assert not report
    assert all("ddof=1" in hint for _, hint in failed(report).values())


def test_a_result_that_is_not_a_pair_is_reported():
    report = check_standardize(lambda train, test: (train - train.mean(0)) / train.std(0), verbose=False)
    assert len(report.failed) == 6
    assert all(reason == "returned ndarray, expected a pair (train_std, test_std)"
               for reason, _ in failed(report).values())


# one_hot: typical wrong answers ----------------------------------------------------------------------------------

def test_inferring_C_from_the_labels_fails_where_a_class_is_missing():
    report = check_one_hot(lambda y, C: np.eye(y.max() + 1)[y], verbose=False)
    assert set(failed(report)) == {"a batch without classes 8 and 9 (C = 10)", "one example, shape (1, C)"}
    reason, hint = failed_case(report, "without classes 8 and 9")
    assert reason == "returned shape (8, 8), expected (8, 10)" and "take C from the argument" in hint
    report = check_one_hot(lambda y, C: np.eye(len(np.unique(y)))[y], verbose=False)
    _, hint = failed_case(report, "without class 0")
    assert "take C from the argument" in hint


def test_hard_coding_ten_classes_is_named():
    report = check_one_hot(lambda y, C: np.eye(10)[y], verbose=False)
    assert len(report.failed) == 4
    assert all("hard-code 10" in hint for _, hint in failed(report).values())


@pytest.mark.parametrize("fn, dtype", [
    (lambda y, C: y[:, None] == np.arange(C), "bool"),
    (lambda y, C: (y[:, None] == np.arange(C)).astype(y.dtype), "uint8"),  # the labels' dtype
])
def test_a_non_float_result_gets_the_dtype_hint(fn, dtype):
    report = check_one_hot(fn, verbose=False)
    assert not report
    reason, hint = failed_case(report, "uint8 labels")
    assert reason == f"returned dtype {dtype}, expected float64"
    assert "float64" in hint and "255" in hint


# The other claims of the exercise solutions ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
def test_idx_round_trip_for_every_type_code(dtype):
    a = (np.random.default_rng(0).integers(0, 100, size=(3, 4, 5)) / 4).astype(dtype)
    back = my_parse_idx(write_idx(a))
    np.testing.assert_array_equal(back, a)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative and back.flags.writeable


def test_the_idx_solution_rejects_unknown_codes_and_wrong_lengths():
    with pytest.raises(ValueError, match="unknown IDX type code 0x0a"):
        my_parse_idx(bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(ValueError, match="payload"):
        my_parse_idx(write_idx(np.arange(4, dtype=np.int16))[:-1])


def test_one_hot_and_argmax_are_inverse_and_bad_labels_are_rejected():
    y = np.array([3, 0, 9])
    np.testing.assert_array_equal(my_one_hot(y, 10).argmax(axis=1), y)
    for bad in (10, -1):
        with pytest.raises(ValueError, match=r"\[0, 9\]"):
            nnlib.one_hot(np.array([bad]), 10)


def test_the_float32_claim_of_the_standardize_solution():
    train = np.random.default_rng(1).normal(size=(20, 3)).astype(np.float32)
    assert all(a.dtype == np.float32 for a in my_standardize(train, train[:2]))
    one = my_standardize(train, train[:1])[1]
    own = standardize_with_test_statistics(train, train[:1])[1]
    assert np.all(one != 0) and np.all(own == 0)   # one example standardised by itself is the zero vector


def test_stratified_split_is_exact_per_class_and_a_partition():
    y = np.repeat(np.arange(10), 6000)
    fit_idx, val_idx = stratified_split(y, 1 / 6, 0)
    assert np.all(np.bincount(y[val_idx], minlength=10) == 1000)
    assert len(np.intersect1d(fit_idx, val_idx)) == 0 and len(fit_idx) + len(val_idx) == len(y)
    assert 0.98 ** 50 == pytest.approx(0.36, abs=0.005)


def test_the_optimism_of_the_best_of_K_test_scores():
    rng = np.random.default_rng(0)
    optimism = {}
    for K in (1, 10, 100, 1000):
        best = rng.binomial(10_000, 0.85, size=(500, K)).max(axis=1) / 10_000
        optimism[K] = best.mean() - 0.85
    sd = np.sqrt(0.85 * 0.15 / 10_000)
    assert sd == pytest.approx(0.0036, abs=0.00005)
    assert abs(optimism[1]) < 0.0005
    for K, expected in ((10, 0.006), (100, 0.009), (1000, 0.012)):
        assert optimism[K] == pytest.approx(expected, abs=0.0007), (K, optimism[K])
    # expected maxima of K standard normals quoted in the solution
    z = np.random.default_rng(1).normal(size=(4000, 1000))
    for K, expected in ((10, 1.54), (100, 2.51), (1000, 3.24)):
        assert z[:, :K].max(axis=1).mean() == pytest.approx(expected, abs=0.03)
