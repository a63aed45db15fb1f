"""nnlib.plot: confusion_matrix counts, and every figure's panels, images, labels and titles (Agg backend)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlib
from nnlib.plot import confusion_matrix, image_grid, learning_curves, plot_confusion_matrix

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """The plotting functions must leave plt.show() to the notebook; close every figure after each test."""
    def show(*args, **kwargs):
        raise AssertionError("nnlib.plot called plt.show()")

    monkeypatch.setattr(plt, "show", show)
    yield
    plt.close("all")


# ------------------------------------------------------------------------------------------------- confusion_matrix


def test_confusion_matrix_hand_example():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    expected = [[1, 1, 0],
                [0, 1, 0],
                [1, 0, 2]]
    cm = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64


def test_confusion_matrix_agrees_with_counting_pairs_and_its_sums_mean_what_they_say():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 5, size=300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 5, size=300))
    cm = confusion_matrix(y_true, y_pred, num_classes=6)  # class 5 never occurs
    naive = np.zeros((6, 6), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        naive[t, p] += 1
    np.testing.assert_array_equal(cm, naive)
    assert cm.sum() == 300 and not cm[5].any() and not cm[:, 5].any()
    np.testing.assert_array_equal(cm.sum(axis=1)[:5], np.bincount(y_true, minlength=5))
    assert np.trace(cm) / 300 == np.mean(y_true == y_pred)


@given(st.integers(1, 6).flatmap(lambda c: st.tuples(
    st.just(c), st.lists(st.tuples(st.integers(0, c - 1), st.integers(0, c - 1)), min_size=1, max_size=40))))
def test_confusion_matrix_property_rows_count_true_labels_columns_count_predictions(case):
    c, pairs = case
    y_true, y_pred = np.array(pairs).T
    cm = confusion_matrix(y_true, y_pred, c)
    assert cm.shape == (c, c) and cm.sum() == len(pairs)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y_true, minlength=c))
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(y_pred, minlength=c))
    assert np.trace(cm) == np.sum(y_true == y_pred)


def test_confusion_matrix_takes_the_argmax_of_scores():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(50, 4))
    y = rng.integers(0, 4, size=50)
    np.testing.assert_array_equal(confusion_matrix(y, scores, 4), confusion_matrix(y, scores.argmax(axis=1), 4))
    assert np.trace(confusion_matrix(y, scores, 4)) / 50 == pytest.approx(nnlib.accuracy(scores, y))


@pytest.mark.parametrize("args, error, match", [
    (([0, 1], [0, 3], 3), ValueError, r"label 3 is out of range for C=3"),
    (([0, -1], [0, 1], 3), ValueError, r"label -1 is out of range"),
    (([0, 1, 2], [0, 1], 3), ValueError, "disagree on N"),
    (([0, 1], [0, 1], 0), ValueError, "num_classes must be a positive int"),
    (([[0, 1]], [0, 1], 2), ValueError, r"y_true must be labels of shape \(N,\)"),
    (([0, 1], np.zeros((2, 5)), 3), ValueError, r"scores must have shape \(N, C\) = \(2, 3\)"),
    (([0, 1], [0.5, 1.0], 2), TypeError, "integer class indices"),
])
def test_confusion_matrix_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        confusion_matrix(*args)


# ------------------------------------------------------------------------------------------------------ image_grid


@pytest.mark.parametrize("shape, side", [((12, 64), 8), ((12, 784), 28), ((12, 28, 28), 28)])
def test_image_grid_shows_one_square_image_per_axes(shape, side):
    images = np.random.default_rng(0).random(shape)
    fig = image_grid(images, ncols=5)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 12  # 3 rows of 5, the 3 unused cells removed
    for i, ax in enumerate(fig.axes):
        (im,) = ax.get_images()
        assert im.get_array().shape == (side, side)
        np.testing.assert_array_equal(im.get_array(), images[i].reshape(side, side))
    assert fig._suptitle.get_text() == f"12 images ({side}x{side})"
    assert fig._supxlabel.get_text()


def test_image_grid_titles_are_class_names_and_wrong_predictions_are_red():
    images = np.zeros((4, 64))
    names = ["zero", "one", "two"]
    fig = image_grid(images, labels=[0, 2, 1, 1], class_names=names, title="Digits")
    assert [ax.get_title() for ax in fig.axes] == ["zero", "two", "one", "one"]
    assert fig._suptitle.get_text() == "Digits"
    fig = image_grid(images, labels=[0, 2, 1, 1], predictions=[0, 1, 1, 2])
    assert [ax.get_title() for ax in fig.axes] == ["0 (0)", "1 (2)", "1 (1)", "2 (1)"]
    red = [matplotlib.colors.same_color(ax.title.get_color(), "tab:red") for ax in fig.axes]
    assert red == [False, True, False, True]
    assert "red = wrong" in fig._supxlabel.get_text()


@pytest.mark.parametrize("images, kw, error, match", [
    (np.zeros((3, 10)), {}, ValueError, "not square images"),
    (np.zeros(64), {}, ValueError, r"shape \(N, H, W\) or \(N, D\)"),
    (np.zeros((500, 64)), {}, ValueError, r"pass a slice such as images\[:50\]"),
    (np.zeros((3, 64)), {"labels": [0, 1]}, ValueError, r"labels must have shape \(3,\)"),
    (np.zeros((3, 64)), {"predictions": [0, 1, 2]}, ValueError, "need the true labels"),
    (np.zeros((3, 64)), {"ncols": 0}, ValueError, "ncols must be >= 1"),
])
def test_image_grid_rejects_bad_input(images, kw, error, match):
    with pytest.raises(error, match=match):
        image_grid(images, **kw)


# ------------------------------------------------------------------------------------------------- learning_curves


def _history(val=True):
    n = 6
    loss = np.linspace(2.0, 0.5, n)
    acc = np.linspace(0.3, 0.9, n)
    return nnlib.History(train_loss=loss, train_acc=acc, val_loss=loss + 0.1 if val else np.empty(0),
                         val_acc=acc - 0.05 if val else np.empty(0), epoch_time=np.full(n, 0.1))


def test_learning_curves_has_a_loss_and_an_accuracy_panel_with_train_and_validation_lines():
    history = _history()
    fig = learning_curves(history)
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_title(), acc_ax.get_title()) == ("Loss", "Accuracy")
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("epoch", "loss")
    assert (acc_ax.get_xlabel(), acc_ax.get_ylabel()) == ("epoch", "accuracy")
    assert fig._suptitle.get_text() == "Learning curves"
    for ax, train, val in ((loss_ax, history.train_loss, history.val_loss), (acc_ax, history.train_acc,
                                                                            history.val_acc)):
        train_line, val_line = ax.get_lines()
        np.testing.assert_array_equal(train_line.get_xdata(), np.arange(1, 7))
        np.testing.assert_array_equal(train_line.get_ydata(), train)
        np.testing.assert_array_equal(val_line.get_ydata(), val)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]


def test_learning_curves_without_validation_draws_training_only_and_accepts_a_dict():
    fig = learning_curves(_history(val=False), title="No validation")
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]
    assert fig._suptitle.get_text() == "No validation"
    fig = learning_curves({"train_loss": [1.0, 0.5], "train_acc": [0.5, 0.8]})
    np.testing.assert_array_equal(fig.axes[1].get_lines()[0].get_ydata(), [0.5, 0.8])


def test_learning_curves_from_a_real_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    model = nnlib.Sequential(nnlib.Linear(4, 2, rng=rng))
    trainer = nnlib.Trainer(model, nnlib.SoftmaxCrossEntropy(), nnlib.optim.SGD(model, lr=0.5), batch_size=16,
                            rng=rng)
    history = trainer.fit(X, y, epochs=3, validation=(X, y))
    fig = learning_curves(history)
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]


def test_learning_curves_rejects_an_empty_history():
    with pytest.raises(ValueError, match="no epochs"):
        learning_curves(nnlib.History())


# -------------------------------------------------------------------------------------------- plot_confusion_matrix


def test_plot_confusion_matrix_normalizes_rows_and_labels_everything():
    cm = np.array([[8, 2, 0], [1, 3, 0], [0, 0, 0]])
    ax = plot_confusion_matrix(cm, class_names=["cat", "dog", "emu"])
    assert isinstance(ax, matplotlib.axes.Axes)
    (im,) = ax.get_images()
    np.testing.assert_allclose(im.get_array(), [[0.8, 0.2, 0], [0.25, 0.75, 0], [0, 0, 0]])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert "normalized" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "emu"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog", "emu"]
    assert [t.get_text() for t in ax.texts][:3] == ["0.80", "0.20", "0.00"] and len(ax.texts) == 9
    assert len(ax.figure.axes) == 2  # the matrix and its colour bar


def test_plot_confusion_matrix_counts_on_a_given_axes():
    cm = confusion_matrix([0, 1, 1, 0, 1], [0, 1, 0, 0, 1], 2)
    fig, (left, right) = plt.subplots(1, 2)
    ax = plot_confusion_matrix(cm, normalize=False, ax=right, title="Counts")
    assert ax is right and not left.get_images()
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), cm)
    assert [t.get_text() for t in ax.texts] == ["2", "0", "1", "2"]
    assert ax.get_title() == "Counts" and ax.get_xlabel() == "predicted class"


def test_plot_confusion_matrix_skips_annotations_for_many_classes():
    ax = plot_confusion_matrix(np.eye(25, dtype=int))
    assert not ax.texts


@pytest.mark.parametrize("cm, kw, match", [
    (np.ones((2, 3)), {}, "square"),
    (-np.ones((2, 2)), {}, "non-negative"),
    (np.ones((2, 2)), {"class_names": ["a"]}, "1 class_names for a 2x2 matrix"),
])
def test_plot_confusion_matrix_rejects_bad_input(cm, kw, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(cm, **kw)
