"""nnlib: the small NumPy neural-network library of the book "Softmax from scratch".

The public API is re-exported here: ``nnlib.softmax``, ``nnlib.Linear``, ``nnlib.SoftmaxCrossEntropy``,
``nnlib.gradcheck``, ... and the submodules ``nnlib.data``, ``nnlib.optim``, ``nnlib.init``.
"""

from . import check, init
from . import data
from .functional import accuracy, cross_entropy, log_softmax, logsumexp, one_hot, softmax, softmax_jacobian
from .gradcheck import GradcheckError, gradcheck, numerical_gradient, relative_error
from .layers import ELU, LeakyReLU, Layer, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh
from .losses import CrossEntropy, SoftmaxCrossEntropy
from .serialize import load, save
from . import optim, plot
from .trainer import History, Trainer, TrainingDiverged

__version__ = "0.1.0"

__all__ = [
    "softmax", "log_softmax", "logsumexp", "softmax_jacobian", "one_hot", "cross_entropy", "accuracy",
    "numerical_gradient", "gradcheck", "relative_error", "GradcheckError",
    "Layer", "Linear", "ReLU", "LeakyReLU", "ELU", "Sigmoid", "Tanh", "Softmax", "Sequential",
    "SoftmaxCrossEntropy", "CrossEntropy", "save", "load", "init", "check", "data",
    "optim", "plot", "Trainer", "History", "TrainingDiverged",
]
