"""Draw the book's logo and favicon (book/_static/logo.png, favicon.png): the softmax of a few logits as bars.

Run once by hand (``.venv/bin/python tools/make_logo.py``) when the design changes; the PNGs are committed.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "book" / "_static"
LOGITS = np.array([0.2, 1.0, 2.6, 0.6, 1.6])
COLORS = ["#9ecae1", "#6baed6", "#08519c", "#9ecae1", "#4292c6"]


def draw(path: Path, size_px: int, with_text: bool) -> None:
    p = np.exp(LOGITS - LOGITS.max())
    p /= p.sum()
    width, height = (3.0, 1.0) if with_text else (1.0, 1.0)
    fig = plt.figure(figsize=(width, height), dpi=size_px / height)
    ax = fig.add_axes((0.02, 0.06, 0.96 / width, 0.88))
    ax.bar(np.arange(len(p)), p, width=0.8, color=COLORS)
    ax.set_xlim(-0.6, len(p) - 0.4)
    ax.set_ylim(0, p.max() * 1.05)
    ax.axis("off")
    if with_text:
        fig.text(0.37, 0.58, "softmax", fontsize=26, fontweight="bold", color="#08306b", va="center")
        fig.text(0.37, 0.26, "from scratch", fontsize=17, color="#2171b5", va="center")
    fig.savefig(path, transparent=True)
    plt.close(fig)


if __name__ == "__main__":
    STATIC.mkdir(parents=True, exist_ok=True)
    draw(STATIC / "logo.png", 120, with_text=True)
    draw(STATIC / "favicon.png", 64, with_text=False)
    print("wrote", STATIC / "logo.png", "and", STATIC / "favicon.png")
