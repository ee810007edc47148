"""Make the pictures of docs/display.md: ``python docs/make_pictures.py [folder]``.

Writes into ``docs/images/`` (or ``folder``), deterministically (same files on every run
with the same library versions; no randomness, no timestamps):

- ``plot_line.png``: ``t.plot()`` of a 1-d tensor;
- ``plot_heatmap.png``: ``t.plot()`` of a 2-d tensor;
- ``repr.html``: ``t._repr_html_()``, the table a notebook shows;
- ``treescope.html``: treescope's rendering of a small pytree of NamedTensors, arrays drawn
  with their axes labelled by name (open it in a browser; it runs treescope's own script).

Needs matplotlib and treescope; draws with matplotlib's Agg backend (no window opens).
"""

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import treescope  # noqa: E402

import namedtensor as nt  # noqa: E402

PNG = {"metadata": {"Software": None}, "dpi": 100}  # no version stamp in the file


def examples():
    """The tensors every picture shows (the same ones docs/display.md builds)."""
    step = nt.arange("step", 60).astype("float32")
    loss = nt.exp(-step / 15.0) + 0.05 * nt.cos(step)
    q = nt.tensor(np.sin(np.arange(6 * 4).reshape(6, 4) * 0.7), "seq d")
    k = q.rename(seq="seq'")
    weights = nt.softmax(nt.dot(q, k, over="d") * 2.0, "seq'")
    return loss, weights


def _page(title, body):
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"</head><body>\n{body}\n</body></html>\n")


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    loss, weights = examples()

    fig, ax = plt.subplots(figsize=(5, 3))
    loss.plot(ax)
    fig.tight_layout()
    fig.savefig(folder / "plot_line.png", **PNG)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4))
    weights.plot(ax, cmap="viridis")
    fig.tight_layout()
    fig.savefig(folder / "plot_heatmap.png", **PNG)
    plt.close(fig)

    (folder / "repr.html").write_text(
        _page("NamedTensor._repr_html_", weights._repr_html_()), encoding="utf-8")

    with treescope.active_autovisualizer.set_scoped(treescope.ArrayAutovisualizer()):
        rendered = treescope.render_to_html({"loss": loss, "attention": weights},
                                            compressed=False)
    # treescope names its HTML elements with random uuids: number them instead
    ids = {}
    rendered = re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(), f"{len(ids):032d}"),
                      rendered)
    (folder / "treescope.html").write_text(_page("NamedTensors in treescope", rendered),
                                           encoding="utf-8")
    return sorted(p.name for p in folder.iterdir())


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent / "images"
    print("\n".join(main(out)))
