"""Plots for the book: image grids, learning curves and confusion matrices (matplotlib).

Every function labels its axes and gives a title, and returns what it drew on: the Figure when there are several
panels (:func:`image_grid`, :func:`learning_curves`), the Axes when there is one (:func:`plot_confusion_matrix`).
None of them calls ``plt.show()``: the notebook cell does, at its end. pyplot is imported on first use only, so
``import nnlib`` stays fast; :func:`confusion_matrix` is plain NumPy.
"""

import math
import numbers

import numpy as np

from ._checks import check_labels, check_positive_int

__all__ = ["image_grid", "learning_curves", "confusion_matrix", "plot_confusion_matrix"]

MAX_IMAGES = 200


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _as_images(images):
    """(N, H, W) images, or (N, D) rows with D a perfect square reshaped to (N, sqrt(D), sqrt(D))."""
    images = np.asarray(images)
    if images.dtype.kind not in "fiub":
        raise TypeError(f"image_grid: images must be numeric, got dtype {images.dtype}.")
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(
                f"image_grid: rows of {images.shape[1]} pixels are not square images; pass (N, H, W) images or "
                "(N, D) rows with D a perfect square (64 for digits, 784 for MNIST)."
            )
        images = images.reshape(images.shape[0], side, side)
    if images.ndim != 3:
        raise ValueError(
            f"image_grid: images must have shape (N, H, W) or (N, D), got {images.shape}. "
            "For a single image use images[None]."
        )
    if not 1 <= images.shape[0] <= MAX_IMAGES:
        raise ValueError(
            f"image_grid: expected 1 to {MAX_IMAGES} images, got {images.shape[0]}; pass a slice such as images[:50]."
        )
    return images


def _name(label, class_names):
    return str(class_names[int(label)]) if class_names is not None else str(int(label))


def image_grid(images, labels=None, class_names=None, ncols=10, predictions=None, title=None, cmap="gray_r",
               size=1.2):
    """Show images in a grid, each titled with its label (or its prediction, red when it is wrong).

    Args:
        images: (N, H, W), or (N, D) with D a square (8x8 digits: D = 64; MNIST: D = 784); at most 200.
        labels: optional true labels (N,), integers in [0, C).
        class_names: optional sequence of C names, indexed by label.
        ncols: images per row.
        predictions: optional predicted labels (N,); the titles then read ``predicted (true)``.
        title: the figure's title (default: the number of images).
        cmap: matplotlib colormap (``"gray_r"``: dark ink on white).
        size: inches per image.

    Returns:
        The Figure, with one Axes per image.
    """
    plt = _pyplot()
    images = _as_images(images)
    n = images.shape[0]
    ncols = min(check_positive_int(ncols, "ncols", "image_grid"), n)
    nrows = math.ceil(n / ncols)
    for arr, name in ((labels, "labels"), (predictions, "predictions")):
        if arr is not None and np.shape(arr) != (n,):
            raise ValueError(f"image_grid: {name} must have shape ({n},), one per image, got {np.shape(arr)}.")
    if predictions is not None and labels is None:
        raise ValueError("image_grid: predictions need the true labels too: pass labels=y as well.")
    titled = labels is not None
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * (1.3 if titled else 1.0) + 0.6),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            fig.delaxes(ax)
            continue
        ax.imshow(images[i], cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        if predictions is not None:
            wrong = int(predictions[i]) != int(labels[i])
            ax.set_title(f"{_name(predictions[i], class_names)} ({_name(labels[i], class_names)})", fontsize=8,
                         color="tab:red" if wrong else "black")
        elif titled:
            ax.set_title(_name(labels[i], class_names), fontsize=8)
    h, w = images.shape[1:]
    if predictions is not None:
        caption = "above each image: predicted (true) class; red = wrong"
    elif titled:
        caption = "above each image: its class"
    else:
        caption = f"{h}x{w} pixels per image"
    fig.supxlabel(caption, fontsize=9)
    fig.suptitle(title if title is not None else f"{n} images ({h}x{w})")
    fig.tight_layout()
    return fig


def _get(history, key):
    value = history.get(key) if isinstance(history, dict) else getattr(history, key, None)
    return np.asarray([] if value is None else value, dtype=np.float64)


def learning_curves(history, title="Learning curves", figsize=(10, 3.8)):
    """Loss and accuracy per epoch, training vs validation, in two panels.

    Args:
        history: a :class:`nnlib.History` (or a dict) with ``train_loss`` and ``train_acc``, and optionally
            ``val_loss`` and ``val_acc`` (empty or absent: training curves only).
        title: the figure's title.
        figsize: (width, height) in inches.

    Returns:
        The Figure, with two Axes: loss (left) and accuracy (right).
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    train = {k: _get(history, f"train_{k}") for k in ("loss", "acc")}
    val = {k: _get(history, f"val_{k}") for k in ("loss", "acc")}
    n = len(train["loss"])
    if n == 0:
        raise ValueError("learning_curves: history has no epochs (train_loss is empty); call trainer.fit first.")
    epochs = np.arange(1, n + 1)
    fig, axes = plt.subplots(1, 2, figsize=figsize)
    for ax, key, label in zip(axes, ("loss", "acc"), ("loss", "accuracy")):
        ax.plot(epochs, train[key], marker="o", markersize=3, label="train")
        if val[key].size:
            ax.plot(epochs[: val[key].size], val[key], marker="o", markersize=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(label.capitalize())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts ``M[i, j]`` = number of examples of true class i predicted as class j, shape (C, C), int64.

    The diagonal holds the correct predictions, so ``trace(M) / N`` is the accuracy, row i sums to the number of
    examples of class i, and column j to the number predicted as j.

    Args:
        y_true: integer labels (N,) in [0, C).
        y_pred: predicted labels (N,) in [0, C), or scores (N, C) (logits or probabilities; the argmax is taken).
        num_classes: C (never inferred: a sample may miss a class).

    Returns:
        An int64 array of shape (C, C).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 1:
        raise ValueError(f"confusion_matrix: num_classes must be a positive int, got {num_classes!r}.")
    c = int(num_classes)
    y_true = np.asarray(y_true)
    if y_true.ndim != 1:
        raise ValueError(f"confusion_matrix: y_true must be labels of shape (N,), got shape {y_true.shape}.")
    n = y_true.shape[0]
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        if y_pred.shape != (n, c):
            raise ValueError(
                f"confusion_matrix: scores must have shape (N, C) = ({n}, {c}), got {y_pred.shape}."
            )
        y_pred = np.argmax(y_pred, axis=1)
    _, y_true = check_labels(y_true, n, c, "confusion_matrix (y_true)")
    _, y_pred = check_labels(y_pred, n, c, "confusion_matrix (y_pred)")
    return np.bincount(y_true * c + y_pred, minlength=c * c).reshape(c, c)


def plot_confusion_matrix(cm, class_names=None, normalize=True, ax=None, title=None, cmap="Blues", annotate=None):
    """Draw a confusion matrix (true class down, predicted class across), with a colour bar.

    Args:
        cm: counts (C, C) from :func:`confusion_matrix`.
        class_names: optional sequence of C names for the ticks.
        normalize: divide each row by its sum, so cell (i, j) is the fraction of class i predicted as j and the
            diagonal is the per-class recall (rows without examples stay 0).
        ax: Axes to draw on (default: a new figure).
        title: the Axes' title (default says whether rows are normalized).
        cmap: matplotlib colormap.
        annotate: write the value in each cell (default: when C <= 20).

    Returns:
        The Axes.
    """
    plt = _pyplot()
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.dtype.kind not in "iuf" or np.any(cm < 0):
        raise ValueError(
            f"plot_confusion_matrix: cm must be a square (C, C) array of non-negative counts, got shape {cm.shape} "
            f"and dtype {cm.dtype}. Compute it with nnlib.plot.confusion_matrix(y_true, y_pred, C)."
        )
    c = cm.shape[0]
    if class_names is not None and len(class_names) != c:
        raise ValueError(f"plot_confusion_matrix: {len(class_names)} class_names for a {c}x{c} matrix.")
    if normalize:
        rows = cm.sum(axis=1, keepdims=True).astype(np.float64)
        values = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    else:
        values = cm
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * c + 2.5, 0.45 * c + 1.8))
    im = ax.imshow(values, cmap=cmap, vmin=0, vmax=1 if normalize else max(values.max(), 1))
    ax.figure.colorbar(im, ax=ax, label="fraction of the true class" if normalize else "count")
    names = [str(s) for s in class_names] if class_names is not None else [str(i) for i in range(c)]
    long = max(len(s) for s in names) > 2
    ax.set_xticks(range(c), names, rotation=45 if long else 0, ha="right" if long else "center")
    ax.set_yticks(range(c), names)
    if annotate is None:
        annotate = c <= 20
    if annotate:
        top = values.max() if values.max() > 0 else 1
        for i in range(c):
            for j in range(c):
                v = values[i, j]
                text = f"{v:.2f}" if normalize else f"{int(v)}" if cm.dtype.kind in "iu" else f"{v:g}"
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if v > top / 2 else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title if title is not None else
                 f"Confusion matrix ({'each row normalized to 1' if normalize else 'counts'})")
    return ax
