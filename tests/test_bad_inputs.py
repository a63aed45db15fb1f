"""Every bad input is stopped at the public boundary with a clear message (one row per mistake).

Each row: a name, a call that must fail, the exception type, and a regex the message must match. The messages
must name the shapes or values involved and, where there is one, the fix.
"""

import numpy as np
import pytest

import nnlib

rng = np.random.default_rng(0)
Z = rng.normal(size=(4, 3))
Y = np.array([0, 1, 2, 1])


def _linear():
    return nnlib.Linear(3, 2, rng=np.random.default_rng(0))


def _trainer(batch_size=4):
    model = _linear()
    return nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), nnlib.optim.SGD(model, lr=0.1), batch_size=batch_size,
                         rng=0)


def _diverging_fit():
    r = np.random.default_rng(0)
    model = nnlib.Sequential(nnlib.Linear(3, 4, rng=0), nnlib.ReLU(), nnlib.Linear(4, 2, rng=1))
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), nnlib.optim.SGD(model, lr=1e150), batch_size=4, rng=0)
    with np.errstate(all="ignore"):
        trainer.fit(r.normal(size=(16, 3)) * 1e10, r.integers(0, 2, 16), epochs=5)


def _backward_before_forward(layer):
    return lambda: layer.backward(np.ones((2, 2)))


ROWS = [
    # (name, call, exception, message regex)
    ("softmax of integer logits", lambda: nnlib.softmax(np.array([[1, 2, 3]])), TypeError, r"floating point.*int64.*astype"),
    ("softmax of boolean logits", lambda: nnlib.softmax(np.array([[True, False]])), TypeError, r"floating point.*bool"),
    ("softmax of a scalar", lambda: nnlib.softmax(np.float64(3.0)), ValueError, r"at least one dimension"),
    ("softmax with NaN", lambda: nnlib.softmax(np.array([[1.0, np.nan]])), ValueError, r"non-finite.*nan.*\(0, 1\)"),
    ("softmax with inf", lambda: nnlib.softmax(np.array([[np.inf, 0.0]])), ValueError, r"non-finite.*inf"),
    ("softmax of an empty batch", lambda: nnlib.softmax(np.zeros((0, 3))), ValueError, r"empty.*\(0, 3\)"),
    ("softmax of strings", lambda: nnlib.softmax(np.array(["a", "b"])), TypeError, r"real floating-point"),
    ("log_softmax of integers", lambda: nnlib.log_softmax(np.arange(3)), TypeError, r"log_softmax.*floating"),
    ("logsumexp with NaN", lambda: nnlib.logsumexp(np.array([np.nan])), ValueError, r"logsumexp.*non-finite"),
    ("softmax_jacobian of a 3-D array", lambda: nnlib.softmax_jacobian(np.ones((2, 2, 2)) / 2), ValueError,
     r"1-D or 2-D, got shape \(2, 2, 2\)"),
    ("cross_entropy of 1-D logits", lambda: nnlib.cross_entropy(np.zeros(3), np.array([0])), ValueError,
     r"must be 2-D, got shape \(3,\).*\[None, :\]"),
    ("cross_entropy with N mismatch", lambda: nnlib.cross_entropy(Z, np.array([0, 1])), ValueError,
     r"disagree on N.*4 rows.*\(2,\)"),
    ("cross_entropy with a negative label", lambda: nnlib.cross_entropy(Z, np.array([0, -1, 2, 1])), ValueError,
     r"label -1 is out of range for C=3.*\[0, 2\]"),
    ("cross_entropy with label >= C", lambda: nnlib.cross_entropy(Z, np.array([0, 3, 2, 1])), ValueError,
     r"label 3 is out of range for C=3"),
    ("cross_entropy with non-integer float labels", lambda: nnlib.cross_entropy(Z, np.array([0, 1.5, 2, 1])),
     TypeError, r"integer class indices.*non-integer floats"),
    ("cross_entropy with one-hot rows not summing to 1", lambda: nnlib.cross_entropy(Z, np.ones((4, 3))), ValueError,
     r"sum to 1; row 0 sums to 3.*one_hot"),
    ("cross_entropy with one-hot of wrong shape", lambda: nnlib.cross_entropy(Z, np.eye(3)), ValueError,
     r"logits' shape \(4, 3\), got \(3, 3\)"),
    ("cross_entropy with bad reduction", lambda: nnlib.cross_entropy(Z, Y, reduction="avg"), ValueError,
     r"'mean', 'sum' or 'none'.*'avg'"),
    ("cross_entropy with 3-D labels", lambda: nnlib.cross_entropy(Z, np.zeros((4, 3, 1))), ValueError,
     r"shape \(N,\) or targets of shape \(N, C\)"),
    ("one_hot with zero classes", lambda: nnlib.one_hot(np.array([0]), 0), ValueError, r"positive int, got 0"),
    ("one_hot with a label >= C", lambda: nnlib.one_hot(np.array([0, 5]), 3), ValueError, r"label 5.*C=3"),
    ("one_hot of 2-D labels", lambda: nnlib.one_hot(np.zeros((2, 2), int), 3), ValueError, r"1-D integer labels"),
    ("accuracy with N mismatch", lambda: nnlib.accuracy(Z, np.array([0])), ValueError, r"disagree on N"),
    ("Linear with wrong feature count", lambda: _linear().forward(np.zeros((5, 4))), ValueError,
     r"Linear\(3 -> 2\) expects X of shape \(N, 3\), got \(5, 4\)"),
    ("Linear given images", lambda: _linear().forward(np.zeros((5, 3, 3))), ValueError, r"2-D.*\(5, 3, 3\)"),
    ("Linear given integers", lambda: _linear().forward(np.zeros((5, 3), dtype=np.uint8)), TypeError,
     r"floating point.*uint8"),
    ("Linear without rng", lambda: nnlib.Linear(3, 2, rng=None), TypeError, r"np.random.Generator or an int seed"),
    ("Linear with zero inputs", lambda: nnlib.Linear(0, 2, rng=0), ValueError, r"in_features must be >= 1, got 0"),
    ("Linear with float sizes", lambda: nnlib.Linear(3.5, 2, rng=0), TypeError, r"in_features must be a positive int"),
    ("Linear with integer dtype", lambda: nnlib.Linear(3, 2, rng=0, dtype=np.int32), TypeError, r"floating dtype"),
    ("Linear with unknown init", lambda: nnlib.Linear(3, 2, rng=0, init="glorot"), ValueError, r"unknown init 'glorot'"),
    ("Linear with init of wrong shape", lambda: nnlib.Linear(3, 2, rng=0, init=lambda s, r, d: np.zeros((2, 3))),
     ValueError, r"returned shape \(2, 3\), expected \(3, 2\)"),
    ("Linear backward before forward", _backward_before_forward(nnlib.Linear(3, 2, rng=0)), RuntimeError,
     r"backward was called before forward"),
    ("ReLU backward before forward", _backward_before_forward(nnlib.ReLU()), RuntimeError, r"ReLU.backward.*before"),
    ("Softmax backward before forward", _backward_before_forward(nnlib.Softmax()), RuntimeError, r"before forward"),
    ("loss backward before forward", lambda: nnlib.SoftmaxCrossEntropy().backward(), RuntimeError,
     r"SoftmaxCrossEntropy.backward was called before forward"),
    ("Sequential backward before forward", lambda: nnlib.Sequential(nnlib.ReLU()).backward(np.ones((1, 1))),
     RuntimeError, r"before forward"),
    ("backward with a wrongly shaped gradient", lambda: (lambda l: (l.forward(np.ones((2, 3))), l.backward(np.ones((3, 2)))))(nnlib.Tanh()),
     ValueError, r"shape of the forward output \(2, 3\), got \(3, 2\)"),
    ("Sequential of a non-layer", lambda: nnlib.Sequential(nnlib.ReLU(), np.tanh), TypeError,
     r"argument 1 must be an nnlib layer"),
    ("SoftmaxCrossEntropy with bad reduction", lambda: nnlib.SoftmaxCrossEntropy(reduction="none"), ValueError,
     r"'mean' or 'sum'"),
    ("CrossEntropy given logits", lambda: nnlib.CrossEntropy().forward(Z * 10, Y), ValueError,
     r"probabilities in \[0, 1\].*SoftmaxCrossEntropy"),
    ("SoftmaxCrossEntropy with integer logits", lambda: nnlib.SoftmaxCrossEntropy().forward(np.ones((4, 3), int), Y),
     TypeError, r"logits must be floating point"),
    ("gradcheck in float32", lambda: nnlib.gradcheck(nnlib.Linear(3, 2, rng=0, dtype=np.float32),
                                                     np.ones((2, 3), np.float32)), TypeError, r"needs float64"),
    ("numerical_gradient of a list", lambda: nnlib.numerical_gradient(sum, [1.0, 2.0]), TypeError,
     r"NumPy array"),
    ("numerical_gradient with eps 0", lambda: nnlib.numerical_gradient(np.sum, np.ones(2), eps=0), ValueError,
     r"eps must be positive"),
    ("optimizer of a model without parameters", lambda: nnlib.optim.SGD(nnlib.Sequential(nnlib.ReLU()), lr=0.1),
     ValueError, r"no parameters to optimize.*Linear"),
    ("optimizer given a list", lambda: nnlib.optim.Adam([np.zeros(3)], lr=0.1), TypeError,
     r"expected a model with .params and .grads.*got list"),
    ("optimizer with a negative learning rate", lambda: nnlib.optim.SGD(_linear(), lr=-1), ValueError,
     r"lr must be in \(0.0, inf\), got -1.0"),
    ("Nesterov without momentum", lambda: nnlib.optim.SGD(_linear(), lr=0.1, nesterov=True), ValueError,
     r"nesterov=True needs momentum > 0"),
    ("Adam with beta1 = 1", lambda: nnlib.optim.Adam(_linear(), betas=(1.0, 0.9)), ValueError,
     r"betas\[0\] must be in \[0.0, 1.0\), got 1.0"),
    ("Trainer.fit with X/y of different lengths", lambda: _trainer().fit(np.zeros((5, 3)), np.zeros(4, int), epochs=1),
     ValueError, r"X and y disagree on N: X has 5 rows.*y has 4"),
    ("Trainer.fit with zero epochs", lambda: _trainer().fit(np.zeros((5, 3)), np.zeros(5, int), epochs=0),
     ValueError, r"epochs must be >= 1, got 0"),
    ("Trainer with batch size 0", lambda: _trainer(batch_size=0), ValueError, r"batch_size must be >= 1, got 0"),
    ("Trainer with an optimizer of another model",
     lambda: nnlib.Trainer(_linear(), nnlib.SoftmaxCrossEntropy(), nnlib.optim.SGD(_linear(), lr=0.1), rng=0),
     ValueError, r"optimizer was built on another model"),
    ("training that diverges", lambda: _diverging_fit(), nnlib.TrainingDiverged,
     r"non-finite.*epoch 1, batch \d+.*smaller"),
    ("standardize with different feature counts", lambda: nnlib.data.standardize(np.zeros((4, 3)), np.zeros((4, 2))),
     ValueError, r"rows of shape \(2,\).*fitted on rows of shape \(3,\)"),
    ("batches of size 0", lambda: nnlib.data.batches(np.zeros((4, 3)), np.zeros(4), 0), ValueError,
     r"batch_size must be >= 1, got 0"),
    ("batches with X/y of different lengths", lambda: nnlib.data.batches(np.zeros((4, 3)), np.zeros(5), 2),
     ValueError, r"disagree on N.*\(4, 3\).*\(5,\)"),
    ("load_digits with a string rng", lambda: nnlib.data.load_digits(rng="a"), TypeError,
     r"np.random.Generator or an int seed, got 'a'"),
    ("validation_split with fraction 1.5", lambda: nnlib.data.validation_split(np.zeros((4, 3)), np.zeros(4), 1.5, 0),
     ValueError, r"strictly between 0 and 1, got 1.5"),
    ("load_fashion_mnist with an integer dtype", lambda: nnlib.data.load_fashion_mnist(dtype=np.int32), TypeError,
     r"floating dtype.*got int32"),
    ("image_grid of non-square rows", lambda: nnlib.plot.image_grid(np.zeros((3, 5))), ValueError,
     r"rows of 5 pixels are not square"),
    ("confusion_matrix with a prediction >= C",
     lambda: nnlib.plot.confusion_matrix(np.array([0, 1]), np.array([0, 5]), 3), ValueError,
     r"label 5 is out of range for C=3"),
    ("load into another architecture", "load_mismatch", ValueError, r"(?s)another architecture.*0.W: file \(3, 4\) vs model \(3, 5\)"),
]


def _load_mismatch(tmp_path):
    a = nnlib.Sequential(nnlib.Linear(3, 4, rng=0), nnlib.ReLU(), nnlib.Linear(4, 2, rng=1))
    b = nnlib.Sequential(nnlib.Linear(3, 5, rng=0), nnlib.ReLU(), nnlib.Linear(5, 2, rng=1))
    a.save(tmp_path / "a.npz")
    b.load(tmp_path / "a.npz")


@pytest.mark.parametrize("name, call, exc, message", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input_raises_a_clear_error(name, call, exc, message, tmp_path):
    if call == "load_mismatch":
        call = lambda: _load_mismatch(tmp_path)  # noqa: E731
    with pytest.raises(exc, match=message):
        call()


def test_the_table_has_at_least_thirty_rows():
    assert len(ROWS) >= 30
