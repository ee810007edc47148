"""nt.conv, nt.pool, nt.pad against independent oracles.

conv: ``lax.conv_general_dilated`` on positional arrays arranged by hand (NumPy transposes
to N, C, spatial / O, I, spatial, several names merged by reshape); pool: a NumPy loop over
windows; pad: ``np.pad`` on the positional array. Storage orders, sizes, strides, padding
and dilation come from hypothesis.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from jax import lax

import namedtensor as nt
import namedtensor.testing  # noqa: F401  (nt.testing.assert_allclose)
from _helpers import raises

SPATIAL = ("h", "w", "d")
KSPATIAL = ("kh", "kw", "kd")


def _tensor(rng, sizes, backend="jax", dtype=np.float32):
    data = rng.standard_normal(tuple(sizes.values())).astype(dtype)
    return nt.tensor(data, tuple(sizes), backend=backend)


def _arranged(t, order):
    """``t``'s values (float64) with axes in ``order``."""
    return np.transpose(np.asarray(t.numpy(), np.float64), [t.names.index(n) for n in order])


# --- the conv oracle -------------------------------------------------------------------
def _conv_oracle(x, k, window, over, strides, padding, dilation):
    """(values, names): x as (N, C, spatial), k as (O, I, spatial), lax's default layout."""
    spatial = list(window)
    kspatial = [window[a] for a in spatial]
    batch = [n for n in x.names if n not in spatial and n not in over]
    out = [n for n in k.names if n not in over and n not in kspatial]
    xs, ks = x.sizes, k.sizes
    xa = _arranged(x, batch + list(over) + spatial).reshape(
        [int(np.prod([xs[n] for n in batch])), int(np.prod([xs[n] for n in over]))]
        + [xs[a] for a in spatial])
    ka = _arranged(k, out + list(over) + kspatial).reshape(
        [int(np.prod([ks[n] for n in out])), int(np.prod([ks[n] for n in over]))]
        + [ks[a] for a in kspatial])
    y = lax.conv_general_dilated(jnp.asarray(xa, jnp.float32), jnp.asarray(ka, jnp.float32),
                                 strides, padding, rhs_dilation=dilation,
                                 precision=lax.Precision.HIGHEST)
    y = np.asarray(y, np.float64)
    y = y.reshape([xs[n] for n in batch] + [ks[n] for n in out] + list(y.shape[2:]))
    return y, batch + out + spatial


def _check(actual, expected, rtol=1e-4, atol=1e-4):
    values, names = expected
    assert sorted(actual.names) == sorted(names), (actual.names, names)
    got = _arranged(actual, names)
    np.testing.assert_allclose(got, values, rtol=rtol, atol=atol)


@st.composite
def conv_problems(draw):
    rank = draw(st.integers(1, 3))
    spatial = SPATIAL[:rank]
    size = st.integers(1, 3)
    batch = {f"b{i}": draw(size) for i in range(draw(st.integers(0, 2)))}
    over = {f"c{i}": draw(size) for i in range(draw(st.integers(1, 2)))}
    out = {f"o{i}": draw(size) for i in range(draw(st.integers(0, 2)))}
    xsp = {a: draw(st.integers(1, 6)) for a in spatial}
    ksp = {KSPATIAL[i]: draw(st.integers(1, 3)) for i in range(rank)}
    strides = {a: draw(st.integers(1, 2)) for a in spatial}
    dilation = {a: draw(st.integers(1, 2)) for a in spatial}
    kind = draw(st.sampled_from(["VALID", "SAME", "explicit"]))
    pads = {a: (draw(st.integers(0, 2)), draw(st.integers(0, 2))) for a in spatial}
    xnames = draw(st.permutations(list(batch) + list(over) + list(xsp)))
    knames = draw(st.permutations(list(out) + list(over) + list(ksp)))
    over_order = draw(st.permutations(list(over)))
    sizes = {**batch, **over, **out, **xsp, **ksp}
    window = dict(zip(spatial, ksp))
    for a, kname in window.items():  # the dilated kernel must fit the padded input
        lo, hi = pads[a] if kind == "explicit" else (0, 0)
        if kind != "SAME" and (sizes[kname] - 1) * dilation[a] + 1 > xsp[a] + lo + hi:
            dilation[a] = 1
            sizes[kname] = min(sizes[kname], xsp[a] + lo + hi)
    return dict(xsizes={n: sizes[n] for n in xnames}, ksizes={n: sizes[n] for n in knames},
                window=window, over=over_order, strides=strides, dilation=dilation, kind=kind,
                pads=pads, backend=draw(st.sampled_from(["jax", "numpy"])),
                seed=draw(st.integers(0, 2**16)))


@settings(max_examples=30)
@given(conv_problems())
def test_conv_matches_lax_on_arranged_arrays(p):
    rng = np.random.default_rng(p["seed"])
    x = _tensor(rng, p["xsizes"], p["backend"])
    k = _tensor(rng, p["ksizes"], p["backend"])
    spatial = list(p["window"])
    strides = tuple(p["strides"][a] for a in spatial)
    dilation = tuple(p["dilation"][a] for a in spatial)
    padding = p["pads"] if p["kind"] == "explicit" else p["kind"]
    with jax.default_matmul_precision("highest"):
        y = nt.conv(x, k, p["window"], p["over"], stride=p["strides"], padding=padding,
                    dilation=p["dilation"])
    oracle_pad = [padding[a] for a in spatial] if p["kind"] == "explicit" else padding
    _check(y, _conv_oracle(x, k, p["window"], p["over"], strides, oracle_pad, dilation))
    assert y.backend == p["backend"]
    assert isinstance(y.data, np.ndarray if p["backend"] == "numpy" else jax.Array)


def test_conv_layouts_give_one_answer_and_keep_the_layout():
    """NHWC/HWIO, NCHW/OIHW and a mixed order agree; no layout is forced on the result."""
    rng = np.random.default_rng(0)
    x = _tensor(rng, {"n": 2, "h": 6, "w": 5, "c": 3})
    k = _tensor(rng, {"kh": 3, "kw": 2, "c": 3, "o": 4})
    window = {"h": "kh", "w": "kw"}
    ref = nt.conv(x, k, window, "c", padding="SAME")
    assert ref.names == ("n", "h", "w", "o")
    for xo, ko in ((("n", "c", "h", "w"), ("o", "c", "kh", "kw")),
                   (("w", "c", "n", "h"), ("kw", "o", "kh", "c"))):
        y = nt.conv(x.align_to(*xo), k.align_to(*ko), window, "c", padding="SAME")
        nt.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    assert nt.conv(x.align_to("n", "c", "h", "w"), k.align_to("o", "c", "kh", "kw"),
                   window, "c").names == ("n", "o", "h", "w")


def test_conv_without_batch_or_output_names_and_3d():
    rng = np.random.default_rng(1)
    x = _tensor(rng, {"t": 7, "c": 2})
    k = _tensor(rng, {"kt": 3, "c": 2})
    y = nt.conv(x, k, {"t": "kt"}, "c", stride=2)
    assert y.sizes == {"t": 3}
    expected = [sum(float(x[{"t": 2 * i + j, "c": c}]) * float(k[{"kt": j, "c": c}])
                    for j in range(3) for c in range(2)) for i in range(3)]
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5)
    x3 = _tensor(rng, {"d": 4, "b": 2, "h": 4, "c": 2, "w": 3})
    k3 = _tensor(rng, {"c": 2, "kd": 2, "kh": 2, "kw": 2, "o": 3})
    y3 = nt.conv(x3, k3, {"d": "kd", "h": "kh", "w": "kw"}, ["c"], dilation={"h": 2})
    assert y3.sizes == {"d": 3, "b": 2, "h": 2, "w": 2, "o": 3}
    # a kernel axis may reuse a name of x: its window axis is the kernel's, n stays x's batch
    xn = _tensor(rng, {"n": 3, "h": 5, "c": 2})
    kn = _tensor(rng, {"n": 2, "c": 2, "o": 4})
    same = nt.conv(xn, kn, {"h": "n"}, "c")
    assert same.sizes == {"n": 3, "h": 4, "o": 4}
    _check(same, _conv_oracle(xn, kn, {"h": "n"}, ["c"], (1,), "VALID", (1,)))


def test_conv_under_jit_and_its_gradient_matches_the_positional_call():
    rng = np.random.default_rng(2)
    x = _tensor(rng, {"c": 3, "h": 5, "b": 2, "w": 4})
    k = _tensor(rng, {"o": 2, "kw": 2, "c": 3, "kh": 3})
    window = {"h": "kh", "w": "kw"}
    probe = _tensor(rng, {"b": 2, "o": 2, "h": 5, "w": 4})

    def named(xd, kd):
        y = nt.conv(nt.tensor(xd, x.names), nt.tensor(kd, k.names), window, "c",
                    padding="SAME")
        return (y * probe).sum().data

    def positional(xd, kd):  # x: c h b w -> b c h w; k: o kw c kh -> o c kh kw
        y = lax.conv_general_dilated(xd, kd, (1, 1), "SAME",
                                     dimension_numbers=("CHNW", "OWIH", "NCHW"))
        return jnp.sum(y * probe.data)

    gx, gk = jax.grad(named, argnums=(0, 1))(x.data, k.data)
    rx, rk = jax.grad(positional, argnums=(0, 1))(x.data, k.data)
    np.testing.assert_allclose(gx, rx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gk, rk, rtol=1e-4, atol=1e-4)
    jitted = nt.jit(lambda a, b: nt.conv(a, b, window, "c", padding="SAME"))
    nt.testing.assert_allclose(jitted(x, k), nt.conv(x, k, window, "c", padding="SAME"),
                               rtol=1e-5, atol=1e-5)
    gx2 = nt.grad(lambda a: (nt.conv(a, k, window, "c", padding="SAME") * probe).sum())(x)
    assert gx2.names == x.names
    np.testing.assert_allclose(gx2.data, rx, rtol=1e-4, atol=1e-4)


def test_conv_backends_mix_to_jax():
    rng = np.random.default_rng(3)
    x = _tensor(rng, {"h": 4, "c": 2}, "numpy")
    k = _tensor(rng, {"kh": 2, "c": 2}, "jax")
    assert nt.conv(x, k, {"h": "kh"}, "c").backend == "jax"


def test_conv_bad_input():
    x = nt.full({"n": 1, "h": 4, "w": 4, "c": 2}, 12345.678)
    k = nt.full({"kh": 3, "kw": 3, "c": 2, "o": 3}, 12345.678)
    w = {"h": "kh", "w": "kw"}
    raises(nt.AxisNameError, lambda: nt.conv(x, k, {"hh": "kh", "w": "kw"}, "c"),
           "nt.conv", "'hh'", "did you mean 'h'")
    raises(nt.AxisNameError, lambda: nt.conv(x, k, {"h": "kz", "w": "kw"}, "c"),
           "nt.conv", "'kz'")
    raises(nt.AxisNameError, lambda: nt.conv(x, k.rename(c="ci"), w, "c"),
           "nt.conv", "'c'", "kernel", "lacks")
    raises(nt.AxisNameError, lambda: nt.conv(x.rename(c="ci"), k, w, "c"),
           "nt.conv", "'c'", "x", "lacks")
    raises(nt.AxisSizeError, lambda: nt.conv(x, k, w, "c", dilation=2),
           "nt.conv", "'h'", "kernel (dilated)", "spans 5", "size 4")
    raises(nt.AxisSizeError, lambda: nt.conv(x[{"h": slice(0, 2)}], k, w, "c"),
           "nt.conv", "'h'", "spans 3", "size 2", "padding")
    nt.conv(x[{"h": slice(0, 2)}], k, w, "c", padding={"h": (1, 0)})  # padded to 3: fits
    raises(nt.NamedTensorError, lambda: nt.conv(x, k, w, "c", stride=0),
           "nt.conv", "stride", "in [1,", "got 0")
    raises(nt.NamedTensorError, lambda: nt.conv(x, k, w, "c", stride={"h": -1}),
           "nt.conv", "stride['h']")
    raises(nt.AxisNameError, lambda: nt.conv(x, k, w, "c", stride={"n": 2}),
           "nt.conv", "'n'", "not a window axis")
    raises(TypeError, lambda: nt.conv(x, k, w, "c", stride=1.5), "nt.conv", "stride")
    raises(nt.NamedTensorError, lambda: nt.conv(x, k, w, "c", padding="same"),
           "nt.conv", "'same'", "upper case")
    raises(TypeError, lambda: nt.conv(x, k, w, "c", padding=(1, 1)), "nt.conv", "padding")
    raises(TypeError, lambda: nt.conv(x, k, w, "c", padding={"h": (1, 1, 1)}),
           "nt.conv", "padding['h']", "pair")
    raises(nt.NamedTensorError, lambda: nt.conv(x, k, w, "c", padding={"h": (-1, 0)}),
           "nt.conv", "padding['h']")
    raises(TypeError, lambda: nt.conv(x, k.astype("float16"), w, "c"),
           "nt.conv", "float32", "float16")
    raises(TypeError, lambda: nt.conv(x.astype("int32"), k, w, "c"), "nt.conv", "int32")
    raises(nt.AxisSizeError, lambda: nt.conv(x, k[{"c": slice(0, 1)}], w, "c"),
           "nt.conv", "'c'", "size 2", "1")
    raises(nt.AxisNameError, lambda: nt.conv(x, k.rename(o="n"), w, "c"),
           "nt.conv", "['n']", "not in over")
    raises(nt.AxisNameError, lambda: nt.conv(x, k, w, "h"), "nt.conv", "'h'")
    raises(nt.AxisNameError, lambda: nt.conv(x, k, {"h": "kh", "w": "kh"}, "c"),
           "nt.conv", "'kh'", "two spatial axes")
    raises(nt.NamedTensorError, lambda: nt.conv(x, k, {}, "c"), "nt.conv", "window is empty")
    raises(TypeError, lambda: nt.conv(x, k, ["h", "w"], "c"), "nt.conv", "window")
    raises(TypeError, lambda: nt.conv(x.numpy(), k, w, "c"), "nt.conv", "nt.tensor")
    raises(TypeError, lambda: nt.conv(x, 2.0, w, "c"), "nt.conv", "kernel")
    raises(TypeError, lambda: nt.conv(x, k, w, {"c"}), "nt.conv", "over")
    raises(nt.AxisSizeError, lambda: nt.conv(x, k[{"kh": slice(0, 0)}], w, "c"),
           "nt.conv", "'kh'", "size 0")


# --- pool --------------------------------------------------------------------------------
def _pool_oracle(x, window, strides, pads, reduce):
    """A NumPy loop over output positions, spatial axes moved last."""
    spatial = list(window)
    rest = [n for n in x.names if n not in spatial]
    a = _arranged(x, rest + spatial)
    fill = -np.inf if reduce == "max" else 0.0
    widths = [(0, 0)] * len(rest) + [pads[s] for s in spatial]
    padded = np.pad(a, widths, constant_values=fill)
    real = np.pad(np.ones(a.shape[len(rest):]), widths[len(rest):])
    outs = [(padded.shape[len(rest) + i] - window[s]) // strides[s] + 1
            for i, s in enumerate(spatial)]
    y = np.zeros(a.shape[:len(rest)] + tuple(outs))
    for pos in itertools.product(*[range(o) for o in outs]):
        sl = tuple(slice(p * strides[s], p * strides[s] + window[s])
                   for p, s in zip(pos, spatial))
        block = padded[(Ellipsis, *sl)].reshape(a.shape[:len(rest)] + (-1,))
        if reduce == "max":
            y[(Ellipsis, *pos)] = block.max(-1)
        elif reduce == "sum":
            y[(Ellipsis, *pos)] = block.sum(-1)
        else:
            y[(Ellipsis, *pos)] = block.sum(-1) / real[sl].sum()
    return y, rest + spatial


@st.composite
def pool_problems(draw):
    rank = draw(st.integers(1, 3))
    spatial = SPATIAL[:rank]
    sizes = {a: draw(st.integers(1, 6)) for a in spatial}
    sizes.update({f"b{i}": draw(st.integers(1, 3)) for i in range(draw(st.integers(0, 2)))})
    window = {a: draw(st.integers(1, 3)) for a in spatial}
    strides = {a: draw(st.integers(1, 3)) for a in spatial}
    kind = draw(st.sampled_from(["VALID", "SAME", "explicit", "default stride"]))
    pads = {a: (draw(st.integers(0, window[a] - 1)), draw(st.integers(0, window[a] - 1)))
            for a in spatial}
    for a in spatial:
        lo, hi = pads[a] if kind == "explicit" else (0, 0)
        if kind != "SAME":
            window[a] = min(window[a], sizes[a] + lo + hi)
            pads[a] = (min(lo, window[a] - 1), min(hi, window[a] - 1))
    names = draw(st.permutations(list(sizes)))
    return dict(sizes={n: sizes[n] for n in names}, window=window, strides=strides, kind=kind,
                pads=pads, reduce=draw(st.sampled_from(["max", "mean", "sum"])),
                backend=draw(st.sampled_from(["jax", "numpy"])),
                seed=draw(st.integers(0, 2**16)))


def _same_pads(size, window, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


@settings(max_examples=30)
@given(pool_problems())
def test_pool_matches_a_numpy_loop(p):
    rng = np.random.default_rng(p["seed"])
    x = _tensor(rng, p["sizes"], p["backend"])
    window, kind = p["window"], p["kind"]
    kwargs = {"reduce": p["reduce"]}
    strides = dict(window) if kind == "default stride" else p["strides"]
    if kind != "default stride":
        kwargs["stride"] = strides
    if kind == "explicit":
        kwargs["padding"] = pads = p["pads"]
    elif kind == "SAME":
        kwargs["padding"] = "SAME"
        pads = {a: _same_pads(x.sizes[a], window[a], strides[a]) for a in window}
    else:
        pads = {a: (0, 0) for a in window}
    y = nt.pool(x, window, **kwargs)
    assert y.names == x.names and y.backend == p["backend"]
    _check(y, _pool_oracle(x, window, strides, pads, p["reduce"]))


def test_pool_dtypes_and_gradient():
    x = nt.tensor(np.arange(12, dtype=np.int8).reshape(3, 4), "c w")
    assert nt.pool(x, {"w": 2}).dtype == np.int8
    assert nt.pool(x, {"w": 2}, reduce="sum").dtype == np.int32
    assert nt.pool(x, {"w": 2}, reduce="mean").dtype == np.float32
    assert nt.pool(x, {"w": 4}, reduce="sum").tolist() == [[6], [22], [38]]
    b = nt.tensor([[True, False, False, False]], "c w", backend="numpy")
    assert nt.pool(b, {"w": 2}).tolist() == [[True, False]]
    rng = np.random.default_rng(4)
    f = _tensor(rng, {"w": 6, "c": 2})

    def positional(a):
        return jnp.sum(lax.reduce_window(a, -jnp.inf, lax.max, (2, 1), (2, 1), "VALID") ** 2)

    g = nt.grad(lambda t: (nt.pool(t, {"w": 2}) ** 2).sum())(f)
    np.testing.assert_allclose(g.data, jax.grad(positional)(f.data), rtol=1e-6)
    m = nt.jit(lambda t: nt.pool(t, {"w": 3}, reduce="mean", stride=1, padding="SAME"))(f)
    _check(m, _pool_oracle(f, {"w": 3}, {"w": 1}, {"w": (1, 1)}, "mean"))


def test_numpy_64_bit_inputs_compute_as_jax_holds_them():
    x = nt.tensor(np.arange(8, dtype=np.int64).reshape(2, 4), "c w", backend="numpy")
    s = nt.pool(x, {"w": 2}, reduce="sum")
    assert s.backend == "numpy" and s.tolist() == [[1, 5], [9, 13]]
    assert nt.pool(x, {"w": 4}).tolist() == [[3], [7]]
    f = nt.tensor(np.ones((5, 2)), "t c", backend="numpy")
    y = nt.conv(f, nt.tensor(np.ones((2, 2)), "kt c", backend="numpy"), {"t": "kt"}, "c")
    assert isinstance(y.data, np.ndarray) and y.tolist() == [4.0] * 4


def test_pool_bad_input():
    x = nt.full({"c": 2, "h": 4, "w": 4}, 12345.678)
    raises(nt.AxisNameError, lambda: nt.pool(x, {"hh": 2}), "nt.pool", "did you mean 'h'")
    raises(nt.AxisSizeError, lambda: nt.pool(x, {"h": 5}), "nt.pool", "'h'", "spans 5",
           "size 4")
    raises(nt.NamedTensorError, lambda: nt.pool(x, {"h": 0}), "nt.pool", "window['h']")
    raises(TypeError, lambda: nt.pool(x, {"h": 2.0}), "nt.pool", "window['h']")
    raises(nt.NamedTensorError, lambda: nt.pool(x, {"h": 2}, stride=0), "nt.pool", "stride")
    raises(nt.NamedTensorError, lambda: nt.pool(x, {"h": 2}, reduce="min"),
           "nt.pool", "'min'", "'max'")
    raises(TypeError, lambda: nt.pool(x, {"h": 2}, reduce=max), "nt.pool", "reduce")
    raises(nt.NamedTensorError, lambda: nt.pool(x, {"h": 2}, padding={"h": (2, 0)}),
           "nt.pool", "padding (2, 0)", "window 2")
    raises(nt.NamedTensorError, lambda: nt.pool(x, {"h": 2}, padding="valid"),
           "nt.pool", "upper case")
    raises(TypeError, lambda: nt.pool(x.astype("complex64"), {"h": 2}), "nt.pool", "complex")
    raises(nt.NamedTensorError, lambda: nt.pool(x, {}), "nt.pool", "window is empty")
    raises(TypeError, lambda: nt.pool(3.0, {"h": 2}), "nt.pool", "x")


# --- pad ---------------------------------------------------------------------------------
@settings(max_examples=30)
@given(data=st.data(), mode=st.sampled_from(["constant", "edge", "reflect", "wrap"]),
       backend=st.sampled_from(["jax", "numpy"]))
def test_pad_matches_np_pad(data, mode, backend):
    names = data.draw(st.permutations(["a", "b", "c"]))[:data.draw(st.integers(1, 3))]
    sizes = {n: data.draw(st.integers(1, 4)) for n in names}
    widths = {n: (data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5)))
              for n in data.draw(st.permutations(names))[:data.draw(st.integers(0, len(names)))]}
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    x = _tensor(rng, sizes, backend)
    kwargs = {"value": 2.5} if mode == "constant" else {}
    y = nt.pad(x, widths, mode=mode, **kwargs)
    expected = np.pad(x.numpy(), [widths.get(n, (0, 0)) for n in x.names], mode=mode,
                      **({"constant_values": 2.5} if mode == "constant" else {}))
    assert y.names == x.names and y.backend == backend
    np.testing.assert_array_equal(y.numpy(), expected)


def test_pad_dtypes_and_gradient(backend):
    t = nt.tensor(np.array([[1, 2], [3, 4]], np.int8), "h w", backend=backend)
    assert nt.pad(t, {"w": (0, 1)}, value=-128).tolist() == [[1, 2, -128], [3, 4, -128]]
    assert nt.pad(t, {"w": (0, 1)}).dtype == np.int8
    b = nt.tensor([True], "x", backend=backend)
    assert nt.pad(b, {"x": (1, 0)}, value=True).tolist() == [True, True]
    g = nt.grad(lambda a: (nt.pad(a, {"x": (1, 2)}, mode="edge") ** 2).sum())(
        nt.tensor([1.0, 2.0], "x"))
    assert g.tolist() == [4.0, 12.0]


def test_pad_bad_input():
    t = nt.full({"h": 2, "w": 3}, 12345.678)
    ti = nt.zeros({"h": 2}, dtype="int8")
    raises(nt.AxisNameError, lambda: nt.pad(t, {"ww": (1, 1)}), "nt.pad", "did you mean 'w'")
    raises(nt.NamedTensorError, lambda: nt.pad(t, {"w": (-1, 1)}), "nt.pad", "widths['w']")
    raises(TypeError, lambda: nt.pad(t, {"w": 1}), "nt.pad", "widths['w']", "pair")
    raises(TypeError, lambda: nt.pad(t, [("w", (1, 1))]), "nt.pad", "widths", "mapping")
    raises(nt.NamedTensorError, lambda: nt.pad(t, {"w": (1, 1)}, mode="symmetric"),
           "nt.pad", "'symmetric'", "'reflect'")
    raises(nt.NamedTensorError, lambda: nt.pad(t, {"w": (1, 1)}, mode="edge", value=1.0),
           "nt.pad", "mode='constant'")
    raises(nt.NamedTensorError, lambda: nt.pad(ti, {"h": (1, 1)}, value=1000),
           "nt.pad", "int8")
    raises(nt.NamedTensorError, lambda: nt.pad(ti, {"h": (1, 1)}, value=0.5),
           "nt.pad", "int8", "truncated")
    raises(TypeError, lambda: nt.pad(t, {"w": (1, 1)}, value="x"), "nt.pad", "value")
    raises(nt.AxisSizeError, lambda: nt.pad(t[{"w": slice(0, 0)}], {"w": (1, 1)},
                                            mode="wrap"), "nt.pad", "'w'", "empty")
    raises(nt.NamedTensorError, lambda: nt.pad(t, {"w": (2**62, 0)}), "nt.pad", "widths['w']")
    raises(nt.AxisSizeError, lambda: nt.pad(t, {"w": (2**30, 2**30), "h": (2**30, 2**30)}),
           "nt.pad", "bytes")
    huge = (2**31 - 1, 2**31 - 1)
    raises(nt.AxisSizeError, lambda: nt.conv(t, nt.ones({"kh": 1, "kw": 1}),
                                             {"h": "kh", "w": "kw"}, (),
                                             padding={"h": huge, "w": huge}),
           "nt.conv", "padded input", "bytes")
    raises(nt.AxisSizeError, lambda: nt.pool(t, {"h": 2**31 - 1}, padding="SAME"),
           "nt.pool", "bytes")
