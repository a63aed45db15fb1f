"""The machinery behind the exercise checkers: run a reader's function on named cases and report each."""

import textwrap

import numpy as np

__all__ = ["Case", "CheckReport", "run_cases"]


class Case:
    """One situation a reader's answer must handle.

    Args:
        name: what the case is, as the reader will see it ("logits of 1000 (overflow)").
        args: positional arguments passed to the reader's function.
        expected: the reference result, compared with ``np.testing.assert_allclose``.
        hint: what to try when this case fails ("subtract the row max before exp").
        rtol, atol: tolerances of the comparison.
        dtype: if set, the result must also have this dtype (e.g. float32 stays float32).
    """

    def __init__(self, name, args, expected, hint, rtol=1e-6, atol=1e-9, dtype=None):
        self.name, self.args, self.expected, self.hint = name, args, expected, hint
        self.rtol, self.atol, self.dtype = rtol, atol, dtype

    def run(self, fn):
        """Return None if ``fn`` passes this case, else a one-line reason."""
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]
        self.outputs = []  # what fn returned (empty if it raised), for subclasses that diagnose a failure
        try:
            with np.errstate(all="ignore"):
                got = fn(*args)
                self.outputs.append(got)
        except Exception as exc:  # the reader's code may fail in any way; report it as this case's failure
            return f"raised {type(exc).__name__}: {exc}"
        got_arr = np.asarray(got)
        expected = np.asarray(self.expected)
        if got_arr.shape != expected.shape:
            return f"returned shape {got_arr.shape}, expected {expected.shape}"
        if self.dtype is not None and got_arr.dtype != self.dtype:
            return f"returned dtype {got_arr.dtype}, expected {np.dtype(self.dtype)}"
        if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(expected)):
            return "returned nan or inf"
        try:
            np.testing.assert_allclose(got_arr.astype(np.float64), expected.astype(np.float64),
                                       rtol=self.rtol, atol=self.atol)
        except AssertionError:
            err = np.max(np.abs(got_arr.astype(np.float64) - expected.astype(np.float64)))
            return f"values differ from the reference (largest difference {err:.3g})"
        return None


class CheckReport:
    """What a checker found: ``passed`` and ``failed`` lists of case names; true when nothing failed."""

    def __init__(self, title, results):
        self.title = title
        self.passed = [c.name for c, reason in results if reason is None]
        self.failed = [(c.name, reason, c.hint) for c, reason in results if reason is not None]

    def __bool__(self):
        return not self.failed

    def __str__(self):
        lines = [f"{self.title}: {len(self.passed)}/{len(self.passed) + len(self.failed)} cases passed"]
        lines += [f"  ok    {name}" for name in self.passed]
        for name, reason, hint in self.failed:
            lines.append(textwrap.fill(f"  FAIL  {name}: {reason}", width=88, subsequent_indent=" " * 8))
            lines.append(textwrap.fill(f"hint: {hint}", width=88, initial_indent=" " * 8,
                                       subsequent_indent=" " * 14))
        return "\n".join(lines)

    __repr__ = __str__


def run_cases(title, fn, cases, verbose=True):
    """Run ``fn`` on every case, print the report when ``verbose``, and return the :class:`CheckReport`."""
    if not callable(fn):
        raise TypeError(f"{title}: pass your function itself (e.g. my_softmax), got {fn!r}.")
    report = CheckReport(title, [(case, case.run(fn)) for case in cases])
    if verbose:
        print(report)
    return report
