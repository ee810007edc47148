"""nt.top_k and nt.sort against jax.lax.top_k and jnp.sort. Run: ``python benchmarks/sorting.py``.

Target: within 1.2× of the positional call on the same layout, eager and jitted
(samples interleaved, so noise on the machine lands on both alike).

1. top_k of logits (batch=32, vocab=16384, k=16), vocab stored last and stored first.
2. sort along the last axis (batch=64, seq=4096).
"""

import jax
import jax.numpy as jnp
import numpy as np

import namedtensor as nt
from _harness import Table, write_section

K = 16


def top_k(out):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((32, 16384)), jnp.float32)
    table = Table(f"top_k (batch=32, vocab=16384, k={K})", "jax.lax.top_k")
    lines = []
    for layout, data, names, axis in (("vocab last", x, "batch vocab", 1),
                                      ("vocab first", x.T.copy(), "vocab batch", 0)):
        t = nt.tensor(data, names)
        lax_jit = jax.jit(lambda a, axis=axis: jax.lax.top_k(a, K, axis=axis))
        nt_jit = nt.jit(lambda u: nt.top_k(u, "vocab", K))
        for mode, variants in (
                ("eager", {"jax.lax.top_k": lambda d=data, a=axis: jax.lax.top_k(d, K, axis=a),
                           "nt.top_k": lambda t=t: nt.top_k(t, "vocab", K)}),
                ("jit", {"jax.lax.top_k": lambda d=data, f=lax_jit: f(d),
                         "nt.top_k": lambda t=t, f=nt_jit: f(t)})):
            case = f"{layout}, {mode}"
            table.compare(case, variants, repeat=60)
            lines.append(f"{case}: **{table.ratio(case, 'nt.top_k'):.2f}×**")
    out.append(table.markdown() + "\nnt.top_k / jax.lax.top_k: " + "; ".join(lines)
               + " (target ≤ 1.2)\n")


def sort(out):
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.standard_normal((64, 4096)), jnp.float32)
    t = nt.tensor(x, "batch seq")
    table = Table("sort (batch=64, seq=4096, along seq)", "jnp.sort")
    jnp_jit = jax.jit(lambda a: jnp.sort(a, axis=1))
    nt_jit = nt.jit(lambda u: nt.sort(u, "seq"))
    lines = []
    for mode, variants in (("eager", {"jnp.sort": lambda: jnp.sort(x, axis=1),
                                      "nt.sort": lambda: nt.sort(t, "seq")}),
                           ("jit", {"jnp.sort": lambda: jnp_jit(x),
                                    "nt.sort": lambda: nt_jit(t)})):
        table.compare(mode, variants, repeat=60)
        lines.append(f"{mode}: **{table.ratio(mode, 'nt.sort'):.2f}×**")
    out.append(table.markdown() + "\nnt.sort / jnp.sort: " + "; ".join(lines)
               + " (target ≤ 1.2)\n")


def main():
    out = ["## Sorting and top_k\n"]
    for part in (top_k, sort):
        part(out)
    write_section("sorting", "\n".join(out))


if __name__ == "__main__":
    main()
