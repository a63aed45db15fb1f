"""The training loop: shuffle, cut into mini-batches, forward, loss, backward, optimizer step; once per epoch.

One epoch of mini-batch gradient descent over N examples in batches of B::

    for each batch (X_b, y_b) of a fresh permutation of the training set:
        z = model.forward(X_b)                 # (B, C) logits
        L = loss.forward(z, y_b)               # mean over the batch
        model.backward(loss.backward())        # fills model.grads
        optimizer.step()                       # updates model.params in place

:class:`Trainer` runs it and records, per epoch, the mean training loss and accuracy and (when a validation set is
given) the validation loss and accuracy, in a :class:`History` of plain NumPy arrays.
"""

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import as_float_array, check_bool, check_positive_int, check_rng
from .data import batches
from .layers import Linear, Sequential

__all__ = ["Trainer", "History", "TrainingDiverged"]

EVAL_BATCH_SIZE = 1024


class TrainingDiverged(FloatingPointError, ValueError):
    """The loss became non-finite (NaN or inf) during training; the message names the epoch and the batch.

    It is both a ``FloatingPointError`` and a ``ValueError``, so either ``except`` catches it.
    """


def _empty():
    return np.empty(0)


@dataclass(eq=False)
class History:
    """Per-epoch records of :meth:`Trainer.fit`, each a float64 array of shape (epochs,).

    Attributes:
        train_loss: mean training loss over the examples of the epoch (the batches' losses, as computed before
            each batch's update, weighted by batch size).
        train_acc: training accuracy over the same batches (a running measure while the weights change, not a
            separate pass; use :meth:`Trainer.evaluate` for the accuracy of the final weights).
        val_loss: loss on the validation set after each epoch; empty (shape (0,)) when ``fit`` had no
            ``validation``.
        val_acc: accuracy on the validation set after each epoch; empty likewise.
        epoch_time: seconds spent in each epoch's training pass (validation excluded).
    """

    train_loss: np.ndarray = field(default_factory=_empty)
    train_acc: np.ndarray = field(default_factory=_empty)
    val_loss: np.ndarray = field(default_factory=_empty)
    val_acc: np.ndarray = field(default_factory=_empty)
    epoch_time: np.ndarray = field(default_factory=_empty)

    @property
    def epochs(self):
        """The epoch numbers 1, 2, ..., for the x-axis of a plot."""
        return np.arange(1, len(self.train_loss) + 1)

    def __len__(self):
        return len(self.train_loss)


def _correct(logits, y):
    """Number of rows whose highest score is the true class (y: labels (B,) or targets (B, C))."""
    labels = y if y.ndim == 1 else np.argmax(y, axis=1)
    return int(np.count_nonzero(np.argmax(logits, axis=1) == labels))


class Trainer:
    """Mini-batch training of ``model`` with ``loss`` and ``optimizer``.

    Args:
        model: an nnlib layer or :class:`nnlib.Sequential` (``forward(X) -> logits``, ``backward(dlogits)``).
        loss: e.g. :class:`nnlib.SoftmaxCrossEntropy` (``forward(logits, y) -> float``, ``backward()``).
        optimizer: e.g. :class:`nnlib.optim.Adam` built on the same model (``step()``).
        batch_size: B, examples per gradient step (the last batch of an epoch may be smaller).
        rng: ``np.random.Generator`` (or int seed) that shuffles the training set at every epoch; required by
            :meth:`fit`. The same seed gives bit-identical parameters.
        progress: False (silent, the default), True (one line per epoch on stderr), or a callable
            ``progress(epoch, metrics)`` called after each epoch with a dict of that epoch's numbers.
        drop_last: in :meth:`fit`, leave out each epoch's last batch when it has fewer than ``batch_size`` rows
            (its gradient is much noisier than the others'); the epoch then has ``N // batch_size`` steps and its
            training loss and accuracy are over the examples it used.
    """

    def __init__(self, model, loss, optimizer, batch_size=64, rng=None, progress=False, drop_last=False):
        for obj, name, methods in ((model, "model", ("forward", "backward")), (loss, "loss", ("forward", "backward")),
                                   (optimizer, "optimizer", ("step",))):
            missing = [m for m in methods if not callable(getattr(obj, m, None))]
            if missing:
                raise TypeError(
                    f"Trainer: {name} must have {' and '.join(methods)} methods, got {obj!r} (missing {missing}). "
                    "Usage: Trainer(model, nnlib.SoftmaxCrossEntropy(), nnlib.optim.Adam(model), rng=rng)."
                )
        if getattr(optimizer, "model", model) is not model:
            raise ValueError("Trainer: the optimizer was built on another model; build it with this model.")
        if not (isinstance(progress, bool) or callable(progress)):
            raise TypeError(f"Trainer: progress must be True, False or a callable, got {progress!r}.")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.batch_size = check_positive_int(batch_size, "batch_size", "Trainer")
        self.rng = None if rng is None else check_rng(rng, "Trainer")
        self.progress = progress
        self.drop_last = check_bool(drop_last, "drop_last", "Trainer")
        self.epochs_trained = 0
        self.steps_taken = 0

    def fit(self, X, y, epochs, validation=None):
        """Train for ``epochs`` passes over ``(X, y)``, reshuffled each epoch with the trainer's rng.

        Args:
            X: inputs, shape (N, D), floating point and finite.
            y: integer labels (N,) in [0, C), or targets (N, C).
            epochs: number of passes, >= 1.
            validation: optional ``(X_val, y_val)``, evaluated after every epoch.

        Returns:
            A :class:`History` with one entry per epoch of this call.

        Raises:
            TrainingDiverged: the loss or the logits became non-finite (lower the learning rate).
        """
        X, y = self._check_data(X, y, "Trainer.fit")
        epochs = check_positive_int(epochs, "epochs", "Trainer.fit")
        if validation is not None:
            if not isinstance(validation, (tuple, list)) or len(validation) != 2:
                raise TypeError(f"Trainer.fit: validation must be a pair (X_val, y_val), got {type(validation)}.")
            X_val, y_val = self._check_data(*validation, "Trainer.fit (validation)")
        if self.rng is None:
            raise TypeError(
                "Trainer.fit shuffles the training set every epoch and needs a generator: build the trainer with "
                "rng=np.random.default_rng(0) (or an int seed)."
            )
        record = np.full((5, epochs), np.nan)   # train_loss, train_acc, val_loss, val_acc, epoch_time
        per_example = getattr(self.loss, "reduction", "mean") == "mean"
        last = self.epochs_trained + epochs
        for e in range(epochs):
            epoch = self.epochs_trained + 1
            start = time.perf_counter()
            total, correct, seen = 0.0, 0, 0                              # seen: examples used this epoch
            for b, (X_b, y_b) in enumerate(batches(X, y, self.batch_size, self.rng, self.drop_last)):
                logits = self.model.forward(X_b)                          # (B, C)
                L = self._loss(logits, y_b, epoch, b + 1)
                total += L * len(X_b) if per_example else L
                correct += _correct(logits, y_b)
                seen += len(X_b)
                self._backward(self.loss.backward())
                self.optimizer.step()
                self.steps_taken += 1
            record[4, e] = time.perf_counter() - start
            record[0, e], record[1, e] = total / seen, correct / seen
            if validation is not None:
                record[2, e], record[3, e] = self.evaluate(X_val, y_val)
            self.epochs_trained = epoch
            self._report(epoch, last, record[:, e], validation is not None)
        val = slice(None) if validation is not None else slice(0)
        return History(train_loss=record[0], train_acc=record[1], val_loss=record[2, val], val_acc=record[3, val],
                       epoch_time=record[4])

    def evaluate(self, X, y, batch_size=EVAL_BATCH_SIZE):
        """Return ``(loss, accuracy)`` of the current model on ``(X, y)``, computed in batches to bound memory.

        Parameters, gradients, the optimizer's state and the rng are untouched (the layers' forward caches are
        overwritten, as by any forward pass).

        Args:
            X: inputs (N, D).
            y: labels (N,) or targets (N, C).
            batch_size: rows per forward pass (1024 by default: no gradients are kept, so larger is faster).

        Returns:
            The mean loss over the N examples (a float) and the accuracy in [0, 1] (a float).
        """
        X, y = self._check_data(X, y, "Trainer.evaluate")
        batch_size = check_positive_int(batch_size, "batch_size", "Trainer.evaluate")
        per_example = getattr(self.loss, "reduction", "mean") == "mean"
        total, correct = 0.0, 0
        for b, (X_b, y_b) in enumerate(batches(X, y, batch_size)):       # consecutive slices, no shuffling
            logits = self.model.forward(X_b)
            L = self._loss(logits, y_b, None, b + 1)
            total += L * len(X_b) if per_example else L
            correct += _correct(logits, y_b)
        return total / len(X), correct / len(X)

    def _loss(self, logits, y_b, epoch, batch):
        """The loss of one batch; non-finite logits or loss raise :class:`TrainingDiverged` naming epoch and batch."""
        try:
            L = float(self.loss.forward(logits, y_b))
        except ValueError:
            if np.all(np.isfinite(logits)):
                raise
            L = math.nan
        if not math.isfinite(L):
            bad = "the logits" if not np.all(np.isfinite(logits)) else "the loss"
            if self.steps_taken:
                fix = "The learning rate is probably too large: try a smaller one (e.g. lr / 10)."
            else:
                fix = ("No update has been made yet, so the learning rate is not the cause: check the scale of the "
                       "inputs (standardize them) and the initialization, and compute the loss from logits with "
                       "SoftmaxCrossEntropy rather than from probabilities.")
            where = f"epoch {epoch}, batch {batch}" if epoch is not None else f"evaluation batch {batch}"
            raise TrainingDiverged(
                f"Trainer: {bad} became non-finite (NaN or inf) at {where}: training diverged. {fix}"
            )
        return L

    def _backward(self, dlogits):
        if isinstance(self.model, (Sequential, Linear)):
            self.model.backward(dlogits, input_grad=False)   # the input needs no gradient: skip dX = dY W^T
        else:
            self.model.backward(dlogits)

    def _report(self, epoch, last, values, has_val):
        if self.progress is False:
            return
        metrics = {"epoch": epoch, "train_loss": float(values[0]), "train_acc": float(values[1]),
                   "epoch_time": float(values[4])}
        if has_val:
            metrics.update(val_loss=float(values[2]), val_acc=float(values[3]))
        if callable(self.progress):
            self.progress(epoch, metrics)
            return
        line = f"epoch {epoch:>{len(str(last))}}/{last}  loss {values[0]:.4f}  acc {values[1]:.4f}"
        if has_val:
            line += f"  val_loss {values[2]:.4f}  val_acc {values[3]:.4f}"
        print(f"{line}  ({values[4]:.2f} s)", file=sys.stderr, flush=True)

    @staticmethod
    def _check_data(X, y, where):
        X = as_float_array(X, "X", where)
        if not isinstance(y, np.ndarray):
            y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"{where}: y must be labels of shape (N,) or targets (N, C), got shape {y.shape}.")
        if len(y) != len(X):
            raise ValueError(
                f"{where}: X and y disagree on N: X has {len(X)} rows (shape {X.shape}) but y has {len(y)} "
                f"(shape {y.shape}). Pass one label per row of X."
            )
        return X, y

    def __repr__(self):
        drop = ", drop_last=True" if self.drop_last else ""
        return (f"Trainer({type(self.model).__name__}, {self.loss!r}, {self.optimizer!r}, "
                f"batch_size={self.batch_size}{drop})")
