"""The chapter "The softmax Jacobian" checkers pass correct answers and name the case and the fix for each mistake."""

import numpy as np
import pytest

import nnlib
from nnlib.check.jacobian import softmax_jacobian as check_jacobian
from nnlib.check.jacobian import softmax_vjp as check_vjp

N_JACOBIAN_CASES, N_VJP_CASES = 5, 7
ONE, BATCH, PEAKED, TWO, F32 = ("one example as a batch (N = 1, C = 4)", "a batch of different rows (N = 5, C = 4)",
                                "near-one-hot rows (largest p above 0.99997)", "two classes (N = 3, C = 2)",
                                "float32 probabilities stay float32")
SQUARE, CONSTANT, F32_VJP = ("a square batch (N = C = 4)", "a constant upstream gradient in each row (gives 0)",
                             "float32 inputs stay float32")


def _eye(P):
    return np.eye(P.shape[1], dtype=P.dtype)


# Correct answers -------------------------------------------------------------------------------------------------

def reference_jacobian(P):
    """The solution printed in the chapter's exercise."""
    return P[:, :, None] * _eye(P) - np.einsum("ni,nj->nij", P, P)


def jacobian_by_loops(P):
    N, C = P.shape
    J = np.empty((N, C, C), dtype=P.dtype)
    for n in range(N):
        for i in range(C):
            for j in range(C):
                J[n, i, j] = P[n, i] * ((i == j) - P[n, j])
    return J


def reference_vjp(P, G):
    """The solution printed in the chapter's exercise (what nnlib.Softmax.backward computes)."""
    return P * (G - (G * P).sum(axis=1, keepdims=True))


def vjp_through_the_jacobian(P, G):
    return np.einsum("ni,nij->nj", G, nnlib.softmax_jacobian(P))


# Typical wrong answers -------------------------------------------------------------------------------------------

def jacobian_without_diagonal(P):
    return -np.einsum("ni,nj->nij", P, P)


def jacobian_wrong_sign(P):
    return np.einsum("ni,nj->nij", P, P) - P[:, :, None] * _eye(P)


def jacobian_einsum_over_batch(P):
    return P[:, :, None] * _eye(P) - np.einsum("ni,nj->ij", P, P)


def jacobian_all_einsums_over_batch(P):
    return np.einsum("ni,ij->ij", P, _eye(P)) - np.einsum("ni,nj->ij", P, P)


def jacobian_diagonal_only(P):
    return P[:, :, None] * _eye(P)


def jacobian_float64_eye(P):
    return P[:, :, None] * np.eye(P.shape[1]) - np.einsum("ni,nj->nij", P, P)


def jacobian_ten_classes(P):
    return P[:, :, None] * np.eye(10) - np.einsum("ni,nj->nij", P, P)


def vjp_without_sum(P, G):
    return P * G


def vjp_sum_over_axis_0(P, G):
    return P * (G - (G * P).sum(axis=0, keepdims=True))


def vjp_sum_over_everything(P, G):
    return P * (G - (G * P).sum())


def vjp_without_keepdims(P, G):
    return P * (G - (G * P).sum(axis=1))


def vjp_without_p_factor(P, G):
    return G - (G * P).sum(axis=1, keepdims=True)


def vjp_in_float64(P, G):
    return reference_vjp(P.astype(np.float64), G.astype(np.float64))


def failures(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


# The checkers pass correct answers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [reference_jacobian, jacobian_by_loops, nnlib.softmax_jacobian])
def test_jacobian_checker_passes_correct_answers(fn):
    report = check_jacobian(fn, verbose=False)
    assert report and report.failed == [] and len(report.passed) == N_JACOBIAN_CASES


def softmax_layer_backward(P, G):
    """nnlib.Softmax.backward, fed with logits whose softmax is P (log P is such a set of logits)."""
    layer = nnlib.Softmax()
    layer.forward(np.log(P))
    return layer.backward(G)


@pytest.mark.parametrize("fn", [reference_vjp, vjp_through_the_jacobian, softmax_layer_backward])
def test_vjp_checker_passes_correct_answers(fn):
    report = check_vjp(fn, verbose=False)
    assert report and report.failed == [] and len(report.passed) == N_VJP_CASES


def test_checkers_are_reexported_by_nnlib_check():
    assert nnlib.check.softmax_jacobian is check_jacobian and nnlib.check.softmax_vjp is check_vjp
    assert {"softmax_jacobian", "softmax_vjp"} <= set(nnlib.check.__all__)


def test_reports_are_printed_when_verbose(capsys):
    check_jacobian(reference_jacobian)
    check_vjp(reference_vjp)
    out = capsys.readouterr().out
    assert out.startswith(f"check.softmax_jacobian: {N_JACOBIAN_CASES}/{N_JACOBIAN_CASES} cases passed")
    assert f"check.softmax_vjp: {N_VJP_CASES}/{N_VJP_CASES} cases passed" in out
    assert f"ok    {PEAKED}" in out


# The Jacobian checker catches each typical mistake with its diagnosis ------------------------------------------

@pytest.mark.parametrize("fn, failed, words", [
    (jacobian_without_diagonal, {ONE, BATCH, PEAKED, TWO, F32}, ["diagonal term is missing", "add diag(p)"]),
    (jacobian_wrong_sign, {ONE, BATCH, PEAKED, TWO, F32}, ["sign is flipped", "diag(p) - p p^T"]),
    (jacobian_diagonal_only, {ONE, BATCH, PEAKED, TWO, F32}, ["diag(p) alone", "-p_i p_j term"]),
], ids=["-p p^T", "p p^T - diag(p)", "diag(p)"])
def test_jacobian_formula_mistakes_fail_every_case_with_their_diagnosis(fn, failed, words):
    found = failures(check_jacobian(fn, verbose=False))
    assert set(found) == failed
    for reason, hint in found.values():
        assert reason.startswith("values differ") or reason.startswith("returned dtype")
        assert all(w in hint for w in words), hint


def test_einsum_summing_outer_products_over_the_batch_is_diagnosed():
    found = failures(check_jacobian(jacobian_einsum_over_batch, verbose=False))
    assert ONE not in found  # with one row, the sum over the batch is that row: the batch cases catch it
    assert set(found) == {BATCH, PEAKED, TWO, F32}
    reason, hint = found[BATCH]
    assert reason.startswith("values differ")
    assert "summed over the batch" in hint and "'ni,nj->nij'" in hint


def test_einsum_returning_one_matrix_for_the_batch_is_diagnosed_by_its_shape():
    found = failures(check_jacobian(jacobian_all_einsums_over_batch, verbose=False))
    assert set(found) == {ONE, BATCH, PEAKED, TWO, F32}
    reason, hint = found[ONE]
    assert reason == "returned shape (4, 4), expected (1, 4, 4)"
    assert "shape (C, C)" in hint and "'ni,nj->nij'" in hint


def test_float64_identity_fails_only_the_float32_case():
    found = failures(check_jacobian(jacobian_float64_eye, verbose=False))
    assert set(found) == {F32}
    reason, hint = found[F32]
    assert reason == "returned dtype float64, expected float32"
    assert "np.eye(C, dtype=P.dtype)" in hint


def test_hard_coded_ten_classes_is_caught():
    found = failures(check_jacobian(jacobian_ten_classes, verbose=False))
    assert set(found) == {ONE, BATCH, PEAKED, TWO, F32}
    reason, hint = found[TWO]
    assert reason.startswith("raised ValueError")
    assert "P.shape[1]" in hint


# The VJP checker catches each typical mistake with its diagnosis -----------------------------------------------

def test_vjp_without_the_sum_term_fails_every_case_as_p_times_g():
    found = failures(check_vjp(vjp_without_sum, verbose=False))
    assert set(found) == {ONE, BATCH, SQUARE, PEAKED, TWO, CONSTANT, F32_VJP}
    for _, hint in found.values():
        assert "this is p * g" in hint and "(G * P).sum(axis=1, keepdims=True)" in hint


def test_vjp_summing_over_axis_0_is_diagnosed():
    found = failures(check_vjp(vjp_sum_over_axis_0, verbose=False))
    assert ONE in found and BATCH in found and CONSTANT in found
    _, hint = found[BATCH]
    assert "axis=0, over the batch" in hint and "axis=1, keepdims=True" in hint


def test_vjp_summing_over_the_whole_array_passes_one_row_and_fails_batches():
    found = failures(check_vjp(vjp_sum_over_everything, verbose=False))
    assert ONE not in found and {BATCH, SQUARE, TWO, CONSTANT} <= set(found)
    _, hint = found[BATCH]
    assert "whole array" in hint


def test_vjp_without_keepdims_raises_or_is_diagnosed_on_the_square_batch():
    found = failures(check_vjp(vjp_without_keepdims, verbose=False))
    assert ONE not in found  # (1,) broadcasts against (1, C): right by accident
    reason, hint = found[BATCH]
    assert reason.startswith("raised ValueError") and "keepdims=True" in hint
    reason, hint = found[SQUARE]
    assert reason.startswith("values differ") and "with N = C a sum without keepdims=True" in hint


def test_vjp_without_the_p_factor_is_diagnosed():
    found = failures(check_vjp(vjp_without_p_factor, verbose=False))
    assert set(found) >= {ONE, BATCH, TWO}
    assert "leading factor p_j is missing" in found[ONE][1]


def test_vjp_in_float64_fails_only_the_float32_case():
    found = failures(check_vjp(vjp_in_float64, verbose=False))
    assert set(found) == {F32_VJP}
    assert found[F32_VJP][0] == "returned dtype float64, expected float32"


def test_reader_exceptions_are_reported_not_raised():
    def broken(P):
        raise RuntimeError("not written yet")

    found = failures(check_jacobian(broken, verbose=False))
    assert len(found) == N_JACOBIAN_CASES
    assert found[ONE][0] == "raised RuntimeError: not written yet"
