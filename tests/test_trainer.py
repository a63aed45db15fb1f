"""nnlib.Trainer: the book's digits example, what the History records, reproducibility, divergence and bad inputs."""

import numpy as np
import pytest

import nnlib
from nnlib.optim import SGD, Adam


def _mlp(rng, d=5, h=8, c=3, dtype=np.float64):
    return nnlib.Sequential(nnlib.Linear(d, h, rng=rng, dtype=dtype), nnlib.ReLU(),
                            nnlib.Linear(h, c, rng=rng, dtype=dtype))


def _blobs(rng, n=150, d=5, c=3):
    """Three well-separated Gaussian clusters: (N, D) float64 features and int64 labels."""
    y = rng.integers(0, c, size=n)
    centers = rng.normal(size=(c, d)) * 3
    return centers[y] + rng.normal(size=(n, d)), y


class NoStep:
    """An optimizer that never moves the parameters: the epoch's records then describe fixed weights."""

    def __init__(self, model):
        self.model = model

    def step(self):
        pass


def test_digits_example_runs_as_written_and_learns():
    rng = np.random.default_rng(0)
    (X_train, y_train), (X_test, y_test) = nnlib.data.load_digits(rng=rng)   # float features, int labels
    model = nnlib.Sequential(nnlib.Linear(64, 128, rng=rng), nnlib.ReLU(), nnlib.Linear(128, 10, rng=rng))
    opt = nnlib.optim.Adam(model, lr=1e-3)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), opt, batch_size=64, rng=rng)
    history = trainer.fit(X_train, y_train, epochs=20, validation=(X_test, y_test))  # per-epoch loss and accuracy
    acc = nnlib.accuracy(model.forward(X_test), y_test)

    assert acc > 0.93
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_time"):
        arr = getattr(history, name)
        assert isinstance(arr, np.ndarray) and arr.shape == (20,) and arr.dtype == np.float64, name
        assert np.all(np.isfinite(arr)), name
    assert history.train_loss[-1] < history.train_loss[0] / 5
    assert history.train_acc[-1] > history.train_acc[0] and history.val_acc[-1] > history.val_acc[0]
    assert np.all((0 <= history.val_acc) & (history.val_acc <= 1)) and np.all(history.epoch_time > 0)
    assert history.val_acc[-1] == pytest.approx(acc)  # the last validation is the final model's accuracy
    assert len(history) == 20 and history.epochs.tolist() == list(range(1, 21))
    assert trainer.epochs_trained == 20 and trainer.steps_taken == 20 * int(np.ceil(len(X_train) / 64))


def test_same_seed_gives_bit_identical_parameters_and_history():
    def run(seed):
        rng = np.random.default_rng(seed)
        X, y = _blobs(rng)
        model = _mlp(rng)
        trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), Adam(model, lr=1e-2), batch_size=16, rng=rng)
        history = trainer.fit(X, y, epochs=3, validation=(X[:40], y[:40]))
        return model.params, history

    (p1, h1), (p2, h2), (p3, _) = run(0), run(0), run(1)
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    assert np.array_equal(h1.train_loss, h2.train_loss) and np.array_equal(h1.val_acc, h2.val_acc)
    assert not np.array_equal(p1["0.W"], p3["0.W"])


def test_each_epoch_is_reshuffled_so_batch_order_differs_between_epochs():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=40)
    seen = []

    class Recorder(nnlib.Sequential):
        def forward(self, X):
            seen.append(X[:, 0].copy())
            return super().forward(X)

    model = Recorder(nnlib.Linear(5, 3, rng=rng))
    nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), NoStep(model), batch_size=40, rng=1).fit(X, y, epochs=2)
    first, second = seen
    assert np.array_equal(np.sort(first), np.sort(X[:, 0]))  # every example once per epoch
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("targets", ["labels", "one-hot"])
def test_epoch_loss_and_accuracy_are_means_over_examples_with_an_uneven_last_batch(reduction, targets):
    # With weights that do not move, the batch-weighted epoch loss must equal the loss of the whole set.
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=100)                      # batches of 32, 32, 32 and 4
    model = _mlp(rng)
    Y = y if targets == "labels" else nnlib.one_hot(y, 3)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(reduction=reduction), NoStep(model), batch_size=32,
                            rng=0)
    history = trainer.fit(X, Y, epochs=2, validation=(X, Y))
    logits = model.forward(X)
    np.testing.assert_allclose(history.train_loss, nnlib.cross_entropy(logits, y), rtol=1e-12)
    np.testing.assert_allclose(history.train_acc, nnlib.accuracy(logits, y), rtol=1e-12)
    np.testing.assert_allclose(history.val_loss, history.train_loss, rtol=1e-12)
    np.testing.assert_allclose(history.val_acc, history.train_acc, rtol=1e-12)


def test_evaluate_matches_full_batch_values_and_leaves_training_state_untouched():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=101)
    model = _mlp(rng)
    opt = Adam(model, lr=1e-2)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), opt, batch_size=16, rng=3)
    trainer.fit(X, y, epochs=1)
    params = {k: v.copy() for k, v in model.params.items()}
    grads = {k: v.copy() for k, v in model.grads.items()}
    state = {k: {n: b.copy() for n, b in s.items()} for k, s in opt.state.items()}
    rng_state, t = trainer.rng.bit_generator.state, opt.t

    loss, acc = trainer.evaluate(X, y, batch_size=7)

    logits = model.forward(X)
    assert loss == pytest.approx(nnlib.cross_entropy(logits, y), rel=1e-12)
    assert acc == nnlib.accuracy(logits, y)
    assert all(np.array_equal(model.params[k], params[k]) for k in params)
    assert all(np.array_equal(model.grads[k], grads[k]) for k in grads)
    assert all(np.array_equal(opt.state[k][n], state[k][n]) for k in state for n in state[k])
    assert trainer.rng.bit_generator.state == rng_state and opt.t == t


class CountingStep(NoStep):
    """Records the batch sizes the model saw before each step (from the first layer's cached input)."""

    def __init__(self, model):
        super().__init__(model)
        self.sizes = []

    def step(self):
        self.sizes.append(len(self.model.layers[0]._cache))


def test_drop_last_leaves_out_each_epochs_partial_batch_and_averages_over_the_examples_used():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=100)                      # 100 = 3 * 32 + 4
    model = _mlp(rng)
    opt = CountingStep(model)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), opt, batch_size=32, rng=0, drop_last=True)
    history = trainer.fit(X, y, epochs=3)
    assert opt.sizes == [32] * 9 and trainer.steps_taken == 9 and "drop_last=True" in repr(trainer)
    # The weights do not move, so each epoch's loss and accuracy are those of the 96 examples it used: the first
    # 96 of that epoch's permutation, drawn from the trainer's generator (seed 0) as batches() draws it.
    logits = model.forward(X)
    losses = nnlib.cross_entropy(logits, y, reduction="none")
    correct = np.argmax(logits, axis=1) == y
    replay = np.random.default_rng(0)
    used = [replay.permutation(100)[:96] for _ in range(3)]
    np.testing.assert_allclose(history.train_loss, [losses[u].mean() for u in used], rtol=1e-12)
    np.testing.assert_allclose(history.train_acc, [correct[u].mean() for u in used], rtol=1e-12)
    assert len({tuple(np.sort(u)) for u in used}) == 3          # different rows left out in each epoch
    with pytest.raises(ValueError, match=r"drop_last=True with batch_size=128 > N=100"):
        nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), opt, batch_size=128, rng=0, drop_last=True).fit(
            X, y, epochs=1)


def test_sequential_backward_skips_the_input_gradient():
    calls = []

    class Spy(nnlib.Sequential):
        def backward(self, dY, input_grad=True):
            calls.append(input_grad)
            return super().backward(dY, input_grad=input_grad)

    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=20)
    model = Spy(nnlib.Linear(5, 3, rng=rng))
    nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), batch_size=10, rng=0).fit(X, y, epochs=1)
    assert calls == [False, False]


def test_no_validation_gives_empty_validation_arrays():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=30)
    model = _mlp(rng)
    history = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), rng=0).fit(X, y, epochs=2)
    assert history.val_loss.shape == (0,) and history.val_acc.shape == (0,)
    assert history.train_loss.shape == (2,)


def test_float32_model_trains_and_stays_float32():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng)
    model = _mlp(rng, dtype=np.float32)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), Adam(model, lr=1e-2), batch_size=32, rng=rng)
    history = trainer.fit(X.astype(np.float32), y, epochs=15)
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert history.train_acc[-1] > 0.9


# ----------------------------------------------------------------------------------------------------- progress


def test_progress_is_silent_by_default_and_one_stderr_line_per_epoch_when_on(capsys):
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=30)
    model = _mlp(rng)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), rng=0)
    trainer.fit(X, y, epochs=2)
    assert capsys.readouterr() == ("", "")
    trainer.progress = True
    trainer.fit(X, y, epochs=3, validation=(X, y))
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 3
    assert lines[0].startswith("epoch 3/5  loss ") and "val_acc" in lines[0] and lines[-1].startswith("epoch 5/5")


def test_progress_callable_receives_each_epochs_metrics():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=30)
    model = _mlp(rng)
    calls = []
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), rng=0,
                            progress=lambda epoch, metrics: calls.append((epoch, metrics)))
    history = trainer.fit(X, y, epochs=2, validation=(X, y))
    assert [e for e, _ in calls] == [1, 2]
    assert [m["val_acc"] for _, m in calls] == history.val_acc.tolist()
    assert set(calls[0][1]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_time"}


# ---------------------------------------------------------------------------------------------------- divergence


def test_divergence_raises_naming_epoch_batch_and_learning_rate():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=200, d=10)
    model = _mlp(rng, d=10, h=16, dtype=np.float32)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=1e30), batch_size=32, rng=0)
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(nnlib.TrainingDiverged) as info:
        trainer.fit(X * 10, y, epochs=3)
    assert isinstance(info.value, FloatingPointError) and isinstance(info.value, ValueError)
    message = str(info.value)
    assert "at epoch 1, batch 2" in message and "non-finite" in message and "smaller" in message


def test_non_finite_loss_before_any_update_points_at_the_data_not_the_learning_rate():
    rng = np.random.default_rng(0)
    X, y = _blobs(rng, n=40)
    model = nnlib.Sequential(nnlib.Linear(5, 3, rng=rng), nnlib.Softmax())  # probabilities underflow to 0
    trainer = nnlib.Trainer(model, nnlib.CrossEntropy(), SGD(model, lr=0.1), batch_size=8, rng=0)
    match = r"the loss became non-finite .* at epoch 1, batch 1: .* learning rate is not the cause"
    with pytest.raises(nnlib.TrainingDiverged, match=match):
        trainer.fit(X * 1e4, y, epochs=1)


def test_label_errors_from_the_loss_pass_through_unchanged():
    rng = np.random.default_rng(0)
    X, _ = _blobs(rng, n=20)
    model = _mlp(rng)
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), rng=0)
    with pytest.raises(ValueError, match="out of range for C=3"):
        trainer.fit(X, np.full(20, 7), epochs=1)


# -------------------------------------------------------------------------------------------------------- errors


def _trainer(**kw):
    rng = np.random.default_rng(0)
    model = _mlp(rng)
    return nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(model, lr=0.1), **{"rng": 0, **kw})


@pytest.mark.parametrize("call, error, match", [
    (lambda t, X, y: t.fit(X, y[:-1], epochs=1), ValueError, r"X has 30 rows .* y has 29"),
    (lambda t, X, y: t.fit(X, y, epochs=0), ValueError, "epochs must be >= 1, got 0"),
    (lambda t, X, y: t.fit(X, y, epochs=2.5), TypeError, "epochs must be a positive int"),
    (lambda t, X, y: t.fit(X, y, epochs=1, validation=X), TypeError, r"validation must be a pair"),
    (lambda t, X, y: t.fit(X, y, epochs=1, validation=(X, y[:3])), ValueError, "validation"),
    (lambda t, X, y: t.fit(X.astype(int), y, epochs=1), TypeError, "floating point"),
    (lambda t, X, y: t.fit(np.where(X > 2, np.nan, X), y, epochs=1), ValueError, "non-finite"),
    (lambda t, X, y: t.fit(X, y[:, None, None], epochs=1), ValueError, r"shape \(N,\) or targets"),
    (lambda t, X, y: t.evaluate(X, y[:5]), ValueError, "disagree on N"),
    (lambda t, X, y: t.evaluate(X, y, batch_size=0), ValueError, "batch_size must be >= 1"),
])
def test_fit_and_evaluate_reject_bad_inputs_with_clear_errors(call, error, match):
    X, y = _blobs(np.random.default_rng(0), n=30)
    with pytest.raises(error, match=match):
        call(_trainer(), X, y)


def test_fit_without_an_rng_explains_how_to_pass_one():
    X, y = _blobs(np.random.default_rng(0), n=30)
    with pytest.raises(TypeError, match=r"rng=np.random.default_rng\(0\)"):
        _trainer(rng=None).fit(X, y, epochs=1)


@pytest.mark.parametrize("kw, error, match", [
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
    ({"batch_size": 64.0}, TypeError, "batch_size must be a positive int"),
    ({"rng": "seed"}, TypeError, "rng must be a np.random.Generator"),
    ({"progress": "yes"}, TypeError, "progress must be"),
    ({"drop_last": "no"}, TypeError, "drop_last must be True or False, got 'no'"),
])
def test_trainer_rejects_bad_settings(kw, error, match):
    with pytest.raises(error, match=match):
        _trainer(**kw)


def test_trainer_rejects_mismatched_components():
    rng = np.random.default_rng(0)
    model, other = _mlp(rng), _mlp(rng)
    with pytest.raises(TypeError, match="optimizer must have step"):
        nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), "adam")
    with pytest.raises(TypeError, match="loss must have forward and backward"):
        nnlib.Trainer(model, nnlib.cross_entropy, SGD(model, lr=0.1))
    with pytest.raises(ValueError, match="optimizer was built on another model"):
        nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), SGD(other, lr=0.1))
