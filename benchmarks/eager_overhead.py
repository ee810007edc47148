"""Eager cost of name resolution: namedtensor calls against the raw jnp call on the same
shapes (target: at most 1.5x). Run: ``python benchmarks/eager_overhead.py``."""

import jax.numpy as jnp
import numpy as np

import namedtensor as nt
from _harness import Table, write_section

REPEAT, NUMBER = 300, 20


def main():
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal((32, 64)), jnp.float32)
    b = jnp.asarray(rng.standard_normal((32, 64)), jnp.float32)
    bias = jnp.asarray(rng.standard_normal(64), jnp.float32)
    t, u = nt.tensor(a, "batch feat"), nt.tensor(b, "batch feat")
    u_swapped = u.align_to("feat", "batch")
    tb = nt.tensor(bias, "feat")
    b_swapped = jnp.asarray(b.T)

    table = Table("Eager overhead of names (32×64 float32, JAX on CPU)", "raw jnp")
    cases = [
        ("t + u", lambda: t + u, lambda: jnp.add(a, b)),
        ("nt.exp(t)", lambda: nt.exp(t), lambda: jnp.exp(a)),
        ('t.sum("feat")', lambda: t.sum("feat"), lambda: jnp.sum(a, axis=1)),
        ("t * 2.0", lambda: t * 2.0, lambda: jnp.multiply(a, 2.0)),
        ("t + u (u stored feat×batch)", lambda: t + u_swapped,
         lambda: jnp.add(a, jnp.transpose(b_swapped))),
        ("t + bias (broadcast by name)", lambda: t + tb,
         lambda: jnp.add(a, jnp.reshape(bias, (1, 64)))),
    ]
    for case, named, raw in cases:
        table.compare(case, {"raw jnp": raw, "namedtensor": named}, repeat=REPEAT, number=NUMBER)

    tn, un = nt.tensor(np.asarray(a), "batch feat", backend="numpy"), \
        nt.tensor(np.asarray(b), "batch feat", backend="numpy")
    npa, npb = np.asarray(a), np.asarray(b)
    table.compare("t + u (numpy backend)", {"raw jnp": lambda: np.add(npa, npb),
                                            "namedtensor": lambda: tn + un},
                  repeat=REPEAT, number=NUMBER)

    lines = table.summary("namedtensor", 1.5)
    write_section("eager_overhead",
                  table.markdown().replace("raw jnp |", "raw jnp (np.add for the numpy row) |", 1)
                  + "\n" + lines)


if __name__ == "__main__":
    main()
