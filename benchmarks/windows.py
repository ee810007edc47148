"""nt.conv against lax.conv_general_dilated and nt.pool against lax.reduce_window, on the
same layout, eager and jitted (target: at most 1.1x). A 16x32x32x16 input, a 3x3 kernel,
16 -> 32 channels, stored NHWC/HWIO (XLA's preferred layout on CPU), NCHW/OIHW and a mixed
order. Run: ``python benchmarks/windows.py`` (``BENCH_QUICK=1`` for a smoke run)."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import namedtensor as nt
from _harness import Table, write_section

REPEAT = 100
# (label, x layout, kernel layout) in lax's letters; names: N batch, H h, W w, C c_in / O c_out
LAYOUTS = [("NHWC / HWIO", "NHWC", "HWIO"), ("NCHW / OIHW", "NCHW", "OIHW"),
           ("mixed: CHWN / OHWI", "CHWN", "OHWI")]
X_NAMES = {"N": "batch", "H": "h", "W": "w", "C": "c_in"}
K_NAMES = {"H": "kh", "W": "kw", "I": "c_in", "O": "c_out"}
WINDOW = {"h": "kh", "w": "kw"}


def _layout(data, src, dst):
    return jnp.transpose(data, [src.index(c) for c in dst])


def main():
    rng = np.random.default_rng(0)
    x0 = jnp.asarray(rng.standard_normal((16, 32, 32, 16)), jnp.float32)  # NHWC
    k0 = jnp.asarray(rng.standard_normal((3, 3, 16, 32)), jnp.float32) * 0.1  # HWIO
    table = Table("Convolution and pooling by name (JAX on CPU)", "raw lax")
    cases = []
    for label, xl, kl in LAYOUTS:
        xd, kd = _layout(x0, "NHWC", xl), _layout(k0, "HWIO", kl)
        x = nt.tensor(xd, [X_NAMES[c] for c in xl])
        k = nt.tensor(kd, [K_NAMES[c] for c in kl])
        dn = (xl, kl, xl)  # the output in the input's layout, as nt.conv gives it

        def raw(a, b, dn=dn):
            return lax.conv_general_dilated(a, b, (1, 1), "SAME", dimension_numbers=dn)

        def named(a, b):
            return nt.conv(a, b, WINDOW, "c_in", padding="SAME")

        raw_jit, named_jit = jax.jit(raw), nt.jit(named)
        out = named(x, k)  # the same values and the input's layout
        assert out.names == tuple(X_NAMES[c] if c != "C" else "c_out" for c in xl), out.names
        np.testing.assert_allclose(out.data, raw(xd, kd), rtol=1e-4, atol=1e-4)
        cases += [(f"conv {label}, eager", lambda r=raw, a=xd, b=kd: r(a, b),
                   lambda f=named, x=x, k=k: f(x, k)),
                  (f"conv {label}, jit", lambda r=raw_jit, a=xd, b=kd: r(a, b),
                   lambda f=named_jit, x=x, k=k: f(x, k))]

    p0 = jnp.asarray(rng.standard_normal((16, 32, 32, 32)), jnp.float32)
    p = nt.tensor(p0, "batch h w c")
    dims = (1, 2, 2, 1)

    def raw_max(a):
        return lax.reduce_window(a, -jnp.inf, lax.max, dims, dims, "VALID")

    def raw_mean(a):
        return lax.reduce_window(a, 0.0, lax.add, dims, dims, "VALID") / 4.0

    def pool_max(t):
        return nt.pool(t, {"h": 2, "w": 2})

    def pool_mean(t):
        return nt.pool(t, {"h": 2, "w": 2}, reduce="mean")

    np.testing.assert_allclose(pool_mean(p).data, raw_mean(p0), rtol=1e-5, atol=1e-6)
    for what, raw, named in (("max", raw_max, pool_max), ("mean", raw_mean, pool_mean)):
        raw_jit, named_jit = jax.jit(raw), nt.jit(named)
        cases += [(f"pool {what} 2×2 (16×32×32×32), eager", lambda r=raw: r(p0),
                   lambda f=named: f(p)),
                  (f"pool {what} 2×2 (16×32×32×32), jit", lambda r=raw_jit: r(p0),
                   lambda f=named_jit: f(p))]

    for case, raw_fn, named_fn in cases:
        table.compare(case, {"raw lax": raw_fn, "namedtensor": named_fn}, repeat=REPEAT)

    lines = table.summary("namedtensor", 1.1)
    write_section("windows", table.markdown() + "\nThe raw call uses the same layout (its "
                  "dimension numbers name the stored order); nt.conv reads them off the "
                  "names.\n\n" + lines)


if __name__ == "__main__":
    main()
