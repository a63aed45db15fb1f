"""The cross-entropy exercise checker passes correct answers and catches each typical wrong one with its hint."""

import numpy as np
import pytest

import nnlib
from nnlib.check.cross_entropy import cross_entropy as check_cross_entropy


def _stable_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _rows(y):
    return np.arange(len(y))


def reference_solution(logits, y):
    """The solution printed in the chapter's exercise: log-softmax through a max-shifted logsumexp."""
    m = logits.max(axis=1, keepdims=True)                                   # (N, 1)
    lse = m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1))              # (N,)
    return np.mean(lse - logits[np.arange(len(y)), y])


CORRECT = {
    "nnlib.cross_entropy": lambda z, y: nnlib.cross_entropy(z, y),
    "reference solution": reference_solution,
    "one-hot through nnlib.log_softmax": lambda z, y: -np.mean(np.sum(nnlib.one_hot(y, z.shape[1]) * nnlib.log_softmax(z), axis=1)),
    "fused loss object": lambda z, y: nnlib.SoftmaxCrossEntropy().forward(z, y),
}


@pytest.mark.parametrize("fn", CORRECT.values(), ids=CORRECT.keys())
def test_correct_answers_pass_every_case(fn):
    report = check_cross_entropy(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 9 and report.failed == []


def test_float32_answer_computed_in_float32_passes():
    def in_float32(z, y):
        m = z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.sum(np.exp(z - m), axis=1))
        return np.mean(lse - z[_rows(y), y])               # float32 in, float32 out

    assert check_cross_entropy(in_float32, verbose=False)


EPS_CASES = {"extreme logits", "true-class probability underflows", "confident wrong prediction",
             "confident correct prediction"}

# name -> (wrong function, the cases it must fail (by name prefix), a word every one of their hints contains)
WRONG = {
    "log(softmax + 1e-7)": (
        lambda z, y: -np.mean(np.log(_stable_softmax(z)[_rows(y), y] + 1e-7)), EPS_CASES, "log"),
    "log(softmax + 1e-12)": (
        lambda z, y: -np.mean(np.log(_stable_softmax(z)[_rows(y), y] + 1e-12)), EPS_CASES, "log"),
    "one-hot times log(softmax + 1e-6)": (
        lambda z, y: -np.mean(np.sum(nnlib.one_hot(y, z.shape[1]) * np.log(_stable_softmax(z) + 1e-6), axis=1)),
        EPS_CASES, "log"),
    "log(softmax) without eps": (
        lambda z, y: -np.mean(np.log(_stable_softmax(z)[_rows(y), y])),
        {"extreme logits", "true-class probability underflows"}, "log-softmax"),
    "sum instead of mean": (
        lambda z, y: -np.sum(nnlib.log_softmax(z)[_rows(y), y]),
        {"a batch", "mean over the batch"}, ""),
    "p[:, y] then mean": (
        lambda z, y: -np.mean(nnlib.log_softmax(z)[:, y]),
        {"a batch", "labels picked per row"}, ""),
    "p[:, y] summed then divided by N": (
        lambda z, y: -np.sum(nnlib.log_softmax(z)[:, y]) / len(y),
        {"a batch", "mean over the batch", "labels picked per row"}, ""),
    "naive softmax without the max shift": (
        lambda z, y: -np.mean(np.log((np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))[_rows(y), y])),
        {"extreme logits", "true-class probability underflows", "float32 logits"}, ""),
    "naive logsumexp without the max shift": (
        lambda z, y: np.mean(np.log(np.exp(z).sum(axis=1)) - z[_rows(y), y]),
        {"extreme logits", "float32 logits"}, "max"),
}


def _failed_prefixes(report):
    names = [name for name, _, _ in report.failed]
    return {prefix for prefix in _all_prefixes() if any(n.startswith(prefix) for n in names)}


def _all_prefixes():
    return {"a batch", "mean over the batch", "labels picked per row", "extreme logits",
            "true-class probability underflows", "confident wrong prediction", "confident correct prediction",
            "C = 7 classes", "float32 logits"}


@pytest.mark.parametrize("name", WRONG.keys())
def test_each_typical_wrong_answer_fails_exactly_its_cases(name):
    fn, expected, word = WRONG[name]
    report = check_cross_entropy(fn, verbose=False)
    assert not report
    assert _failed_prefixes(report) == expected, str(report)
    for _, _, hint in report.failed:
        assert word in hint


def test_eps_in_the_log_is_named_in_the_hints():
    fn = WRONG["log(softmax + 1e-7)"][0]
    hints = {name: hint for name, _, hint in check_cross_entropy(fn, verbose=False).failed}
    underflow = next(h for n, h in hints.items() if n.startswith("true-class probability underflows"))
    assert "eps" in underflow and "-log(eps)" in underflow and "log-softmax" in underflow
    wrong = next(h for n, h in hints.items() if n.startswith("confident wrong prediction"))
    assert "log(p + eps)" in wrong
    right = next(h for n, h in hints.items() if n.startswith("confident correct prediction"))
    assert "negative loss" in right
    extreme = next(h for n, h in hints.items() if n.startswith("extreme logits"))
    assert "log-softmax" in extreme and "logsumexp" in extreme


def test_sum_gets_the_mean_hint():
    report = check_cross_entropy(WRONG["sum instead of mean"][0], verbose=False)
    hint = next(h for n, _, h in report.failed if n.startswith("mean over the batch"))
    assert "divide by N" in hint and "mean over the batch" in hint


def test_column_indexing_gets_the_per_row_hint():
    report = check_cross_entropy(WRONG["p[:, y] then mean"][0], verbose=False)
    hint = next(h for n, _, h in report.failed if n.startswith("labels picked per row"))
    assert "logp[np.arange(N), y]" in hint and "logp[:, y]" in hint


def test_naive_softmax_gets_the_max_shift_hint():
    report = check_cross_entropy(WRONG["naive softmax without the max shift"][0], verbose=False)
    hints = {n: h for n, _, h in report.failed}
    float32 = next(h for n, h in hints.items() if n.startswith("float32 logits"))
    assert "subtract each row's max" in float32
    extreme = next(h for n, h in hints.items() if n.startswith("extreme logits"))
    assert "overflows" in extreme and "row max" in extreme


def test_hard_coded_ten_classes_is_caught():
    def ten_classes(z, y):
        return -np.mean(np.sum(np.eye(10)[y] * nnlib.log_softmax(z), axis=1))

    report = check_cross_entropy(ten_classes, verbose=False)
    hint = next(h for n, _, h in report.failed if n.startswith("C = 7 classes"))
    assert "logits.shape[1]" in hint


def test_a_vector_of_per_example_losses_is_reported_as_a_shape_error():
    report = check_cross_entropy(lambda z, y: nnlib.cross_entropy(z, y, reduction="none"), verbose=False)
    reasons = {n: r for n, r, _ in report.failed}
    assert "returned shape (5,), expected ()" in reasons["a batch (N = 5, C = 10)"]


def test_report_prints_the_failed_case_and_its_hint(capsys):
    check_cross_entropy(WRONG["sum instead of mean"][0], verbose=True)
    out = capsys.readouterr().out
    assert out.startswith("check.cross_entropy: 7/9 cases passed")
    assert "FAIL  mean over the batch (8 identical rows)" in out and "hint: divide by N" in out


def test_is_exported_as_nnlib_check_cross_entropy():
    assert nnlib.check.cross_entropy is check_cross_entropy
    assert "cross_entropy" in nnlib.check.__all__
