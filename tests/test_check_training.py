"""The confusion-matrix exercise checker passes correct answers and names the case and the fix for typical mistakes."""

import numpy as np
import pytest

import nnlib
from nnlib.check.training import confusion_matrix as check_confusion_matrix


# Correct answers -------------------------------------------------------------------------------------------------

def with_a_loop(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=np.int64)
    for i, j in zip(y_true, y_pred):
        M[i, j] += 1
    return M


def with_add_at(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=np.int64)
    np.add.at(M, (y_true, y_pred), 1)
    return M


def with_bincount(y_true, y_pred, C):
    flat = y_true.astype(np.int64) * C + y_pred                    # (N,) index of cell (i, j) in the flat matrix
    return np.bincount(flat, minlength=C * C).reshape(C, C)


def with_sklearn_labels(y_true, y_pred, C):
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=np.arange(C))


CORRECT = {"loop": with_a_loop, "np.add.at": with_add_at, "bincount in int64": with_bincount,
           "sklearn with labels": with_sklearn_labels, "nnlib.plot.confusion_matrix": nnlib.plot.confusion_matrix}


# Typical wrong answers -------------------------------------------------------------------------------------------

def transposed(y_true, y_pred, C):
    return with_add_at(y_pred, y_true, C)


def size_from_the_data(y_true, y_pred, C):
    k = int(max(y_true.max(), y_pred.max())) + 1
    return with_add_at(y_true, y_pred, k)


def size_from_the_labels(y_true, y_pred, C):
    k = len(np.unique(y_true))
    M = np.zeros((k, k), dtype=np.int64)
    np.add.at(M, (y_true, np.minimum(y_pred, k - 1)), 1)
    return M


def size_from_the_predictions(y_true, y_pred, C):
    k = int(y_pred.max()) + 1
    M = np.zeros((k, k), dtype=np.int64)
    np.add.at(M, (np.minimum(y_true, k - 1), y_pred), 1)
    return M


def fancy_index_increment(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=np.int64)
    M[y_true, y_pred] += 1                                         # a repeated (i, j) is written once
    return M


def float_counts(y_true, y_pred, C):
    M = np.zeros((C, C))
    np.add.at(M, (y_true, y_pred), 1)
    return M


def bincount_in_the_labels_dtype(y_true, y_pred, C):
    return np.bincount(y_true * C + y_pred, minlength=C * C).reshape(C, C)   # uint8 * C wraps around


def sklearn_without_labels(y_true, y_pred, C):
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred)


def failures(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


ALL_CASES = 7


# Tests -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", CORRECT.values(), ids=CORRECT.keys())
def test_correct_answers_pass_every_case(fn):
    report = check_confusion_matrix(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == ALL_CASES and report.failed == []


def test_checker_is_reexported_by_nnlib_check():
    assert nnlib.check.confusion_matrix is check_confusion_matrix
    assert "confusion_matrix" in nnlib.check.__all__


def test_report_is_printed_when_verbose(capsys):
    check_confusion_matrix(with_add_at)
    out = capsys.readouterr().out
    assert out.startswith(f"check.confusion_matrix: {ALL_CASES}/{ALL_CASES} cases passed")
    assert "ok    a class that is never predicted (C given explicitly)" in out


def test_transposed_matrix_is_diagnosed_as_transposed():
    found = failures(check_confusion_matrix(transposed, verbose=False))
    assert "rows are true classes, columns predictions" in found
    assert "a single example" in found
    for reason, hint in found.values():
        assert reason.startswith("values differ")
        assert "transpose" in hint and "rows must be the true classes" in hint


@pytest.mark.parametrize("fn", [size_from_the_data, size_from_the_labels, size_from_the_predictions,
                                sklearn_without_labels])
def test_matrix_sized_from_the_data_fails_when_a_class_is_absent_from_both_arrays(fn):
    found = failures(check_confusion_matrix(fn, verbose=False))
    reason, hint = found["a class absent from both arrays"]
    assert reason.startswith("returned shape") and "the argument C" in hint


def test_matrix_sized_from_the_predictions_fails_when_a_class_is_never_predicted():
    found = failures(check_confusion_matrix(size_from_the_predictions, verbose=False))
    reason, hint = found["a class that is never predicted (C given explicitly)"]
    assert reason.startswith("returned shape") and "absent from y_pred" in hint


def test_fancy_index_increment_is_caught_on_repeated_pairs_only():
    found = failures(check_confusion_matrix(fancy_index_increment, verbose=False))
    assert "500 examples: repeated pairs, counts sum to N" in found
    assert "three examples, each in a different cell" not in found   # no repeated pair there: it works
    assert "a single example" not in found
    reason, hint = found["500 examples: repeated pairs, counts sum to N"]
    assert reason.startswith("values differ") and "np.add.at" in hint and "counted once" in hint


def test_float_counts_fail_every_case_with_the_dtype_hint():
    report = check_confusion_matrix(float_counts, verbose=False)
    found = failures(report)
    assert len(found) == ALL_CASES and not report
    for reason, hint in found.values():
        assert reason == "returned dtype float64, expected an integer dtype such as int64"
        assert "dtype=np.int64" in hint


def test_uint8_overflow_is_caught_only_where_labels_are_uint8():
    found = failures(check_confusion_matrix(bincount_in_the_labels_dtype, verbose=False))
    assert set(found) == {"uint8 labels with C = 20"}
    reason, hint = found["uint8 labels with C = 20"]
    assert reason.startswith("values differ") and "astype(np.int64)" in hint


def test_a_matrix_that_misses_examples_gets_the_sum_hint():
    def drops_the_last_example(y_true, y_pred, C):
        return with_add_at(y_true[:-1], y_pred[:-1], C)

    found = failures(check_confusion_matrix(drops_the_last_example, verbose=False))
    assert "a single example" in found and "500 examples: repeated pairs, counts sum to N" in found
    assert "sum to N" in found["500 examples: repeated pairs, counts sum to N"][1]


def test_a_crashing_answer_is_reported_not_raised():
    def crashes(y_true, y_pred, C):
        raise IndexError("boom")

    found = failures(check_confusion_matrix(crashes, verbose=False))
    assert len(found) == ALL_CASES
    assert all(reason == "raised IndexError: boom" for reason, _ in found.values())


def test_checker_does_not_let_the_readers_function_modify_its_cases():
    def in_place(y_true, y_pred, C):
        M = with_add_at(y_true, y_pred, C)
        y_true[:] = 0
        return M

    assert check_confusion_matrix(in_place, verbose=False)
    assert check_confusion_matrix(with_a_loop, verbose=False)


def test_checker_rejects_something_that_is_not_a_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        check_confusion_matrix(np.eye(3), verbose=False)
