"""Eager cost of name resolution: namedtensor calls against the raw call on the same
shapes, written the way positional code writes them (``jnp.add(a, bias)`` broadcasts by
position). Targets: elementwise ops and reductions at most 1.2x of raw jnp; on the NumPy
backend, at most 1.25x of raw NumPy. Run: ``python benchmarks/eager_overhead.py``.

Each sample is the mean of NUMBER calls, each waited for (JAX dispatches asynchronously);
samples of the two variants are interleaved. ``nt.benchmark`` waits on a NamedTensor's array
directly, so waiting costs a named result what it costs a raw one.
"""

import os

import jax
import jax.numpy as jnp
import numpy as np

import namedtensor as nt
from _harness import HERE, QUICK, Table, fmt, pyplot, write_section

REPEAT, NUMBER = (30, 20) if QUICK else (300, 20)
TARGETS = {"jax": 1.2, "numpy": 1.25}


def jax_cases():
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal((32, 64)), jnp.float32)
    b = jnp.asarray(rng.standard_normal((32, 64)), jnp.float32)
    bias = jnp.asarray(rng.standard_normal(64), jnp.float32)
    t, u = nt.tensor(a, "batch feat"), nt.tensor(b, "batch feat")
    u_swapped = u.align_to("feat", "batch")
    b_swapped = u_swapped.data
    tb = nt.tensor(bias, "feat")
    return [
        ("t + u", lambda: t + u, lambda: jnp.add(a, b)),
        ("t * 2.0", lambda: t * 2.0, lambda: jnp.multiply(a, 2.0)),
        ("nt.exp(t)", lambda: nt.exp(t), lambda: jnp.exp(a)),
        ("nt.sigmoid(t)", lambda: nt.sigmoid(t), lambda: jax.nn.sigmoid(a)),
        ("t + bias (broadcast by name)", lambda: t + tb, lambda: jnp.add(a, bias)),
        ("t + u (u stored feat×batch)", lambda: t + u_swapped,
         lambda: jnp.add(a, jnp.transpose(b_swapped))),
        ('t.sum("feat")', lambda: t.sum("feat"), lambda: jnp.sum(a, axis=1)),
        ('t.mean("batch")', lambda: t.mean("batch"), lambda: jnp.mean(a, axis=0)),
        ('t.max("feat")', lambda: t.max("feat"), lambda: jnp.max(a, axis=1)),
        ('nt.softmax(t, "feat")', lambda: nt.softmax(t, "feat"),
         lambda: jax.nn.softmax(a, axis=1)),
    ]


def numpy_cases(shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    t, u = (nt.tensor(x, "batch feat", backend="numpy") for x in (a, b))
    size = "×".join(map(str, shape))
    return [
        (f"t + u ({size})", lambda: t + u, lambda: np.add(a, b)),
        (f"t * 2.0 ({size})", lambda: t * 2.0, lambda: np.multiply(a, 2.0)),
        (f"nt.exp(t) ({size})", lambda: nt.exp(t), lambda: np.exp(a)),
        (f't.sum("feat") ({size})', lambda: t.sum("feat"), lambda: np.sum(a, axis=1)),
    ]


def plot(tables, path):
    plt = pyplot()
    if plt is None:
        return None
    fig, axes = plt.subplots(1, len(tables), figsize=(13, 4.6), squeeze=False,
                             gridspec_kw={"width_ratios": [len(t.rows) for t, _ in tables]})
    for ax, (table, (backend, baseline)) in zip(axes[0], tables):
        cases = list(dict.fromkeys(c for c, _, _ in table.rows))
        ratios = [table.ratio(c, "namedtensor") for c in cases]
        target = TARGETS[backend]
        colors = ["#4c72b0" if r <= target else "#c44e52" for r in ratios]
        ax.barh(cases, ratios, color=colors)
        ax.axvline(1.0, color="#55a868", lw=1.5, label=f"{baseline} (1.0)")
        ax.axvline(target, color="#c44e52", ls="--", lw=1.2, label=f"target {target}")
        for y, r in enumerate(ratios):
            ax.text(r, y, f" {r:.2f}×", va="center", fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, max(max(ratios), target) * 1.2)
        ax.set_xlabel(f"time / {baseline} (median of interleaved samples)")
        ax.set_title(f"{backend} backend")
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("Eager cost of names: each op against the raw call (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _added(table, size):
    """The range of ``namedtensor`` - baseline medians over the cases of one size, as text."""
    get = {(c, v): r.median for c, v, r in table.rows}
    added = [get[c, "namedtensor"] - get[c, table.baseline]
             for c in dict.fromkeys(c for c, _, _ in table.rows) if size in c]
    return f"{fmt(min(added))}–{fmt(max(added))}"


def main():
    jax_table = Table("JAX backend, eager (32×64 float32, CPU)", "raw jnp")
    for case, named, raw in jax_cases():
        jax_table.compare(case, {"raw jnp": raw, "namedtensor": named}, repeat=REPEAT,
                          number=NUMBER)
    numpy_table = Table("NumPy backend (float32)", "raw NumPy")
    for shape in ((32, 64), (256, 1024)):
        for case, named, raw in numpy_cases(shape):
            numpy_table.compare(case, {"raw NumPy": raw, "namedtensor": named},
                                repeat=REPEAT, number=NUMBER)
    text = ["## Eager overhead of names\n", jax_table.markdown(),
            jax_table.summary("namedtensor", TARGETS["jax"]),
            f"\nTarget: at most {TARGETS['jax']}× of the raw call.\n", numpy_table.markdown(),
            numpy_table.summary("namedtensor", TARGETS["numpy"]),
            f"\nTarget: at most {TARGETS['numpy']}× of the raw call. On 32×64 arrays a named op "
            f"adds {_added(numpy_table, '32×64')} per call on the NumPy backend (the medians' "
            f"difference): a fixed cost of Python, which larger arrays do not notice.\n"]
    png = plot([(jax_table, ("jax", "raw jnp")), (numpy_table, ("numpy", "raw NumPy"))],
               os.path.join(HERE, "eager_overhead.png"))
    if png:
        text.append("![Eager overhead](eager_overhead.png)\n")
    write_section("eager_overhead", "\n".join(text))


if __name__ == "__main__":
    main()
