"""nt.random: bad input (one test per class, SPEC section 15) and properties of the
samples, checked against NumPy oracles written independently of the library."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises as _raises
from _helpers import run_isolated
from namedtensor.testing import strategies as nts

R = nt.random
KEY = R.key(0)
VALUE = 12345.678  # a value that must never appear in a message
SAMPLERS = {  # name: a call with every other argument valid
    "split": lambda key: R.split(key),
    "normal": lambda key: R.normal(key, {"a": 2}),
    "uniform": lambda key: R.uniform(key, {"a": 2}),
    "bernoulli": lambda key: R.bernoulli(key, 0.5, {"a": 2}),
    "randint": lambda key: R.randint(key, {"a": 2}, 0, 3),
}


# --- bad input: one test per class ------------------------------------------------------
def test_bad_keys_name_the_function():
    for name, call in SAMPLERS.items():
        op = f"nt.random.{name}"
        for bad in (None, 3, np.zeros(2, np.float32), np.zeros(3, np.uint32), "key"):
            _raises(TypeError, lambda call=call, bad=bad: call(bad), op, "key must be a random key")
        _raises(nt.NamedTensorError, lambda call=call: call(R.split(KEY, 3)), op, "one key", "(3,)")
    SAMPLERS["normal"](jax.random.PRNGKey(0))  # a legacy uint32 key is accepted


def test_bad_seeds():
    for bad in (1.0, True, np.bool_(False), "1", None, np.zeros(2, np.int32), jnp.array(1.5)):
        _raises(TypeError, lambda bad=bad: R.key(bad), "nt.random.key", "seed")
    for bad in (2**70, -2**70, 2**64):
        _raises(nt.NamedTensorError, lambda bad=bad: R.key(bad), "nt.random.key", "outside")
    if not jax.config.jax_enable_x64:  # JAX would keep 32 bits: key(2**32) == key(0)
        _raises(nt.NamedTensorError, lambda: R.key(2**32), "nt.random.key", "4294967296",
                "collide")
    for good in (0, -1, 2**32 - 1, -2**31, np.int64(7), np.uint32(2**32 - 1), jnp.array(3)):
        R.key(good)


def test_split_counts():
    for bad in (2.0, True, "2", None):
        _raises(TypeError, lambda bad=bad: R.split(KEY, bad), "nt.random.split", "n must be an int")
    _raises(nt.NamedTensorError, lambda: R.split(KEY, -1), "nt.random.split", ">= 0", "-1")
    _raises(nt.AxisSizeError, lambda: R.split(KEY, 2**62), "nt.random.split", "n=")
    assert R.split(KEY, 0).shape == (0,)  # allowed: split(key, len(layers)) with no layers
    assert R.split(KEY, np.int64(3)).shape == (3,)


def test_bad_sizes():
    for name, call in (("normal", lambda s: R.normal(KEY, s)),
                       ("uniform", lambda s: R.uniform(KEY, s)),
                       ("bernoulli", lambda s: R.bernoulli(KEY, 0.5, s)),
                       ("randint", lambda s: R.randint(KEY, s, 0, 3))):
        op = f"nt.random.{name}"
        _raises(TypeError, lambda call=call: call([2, 3]), op, "ordered mapping")
        _raises(TypeError, lambda call=call: call({"a": 2.0}), op, "'a'", "int")
        _raises(TypeError, lambda call=call: call({"a": True}), op, "'a'")
        _raises(nt.AxisSizeError, lambda call=call: call({"a": 2, "b": -1}), op, "'b'", "-1")
        _raises(nt.AxisNameError, lambda call=call: call({"1a": 2}), op, "'1a'")


_HUGE = """
import namedtensor as nt
k = nt.random.key(0)
huge = {"a": 2**62, "b": 2**62}
for call in (lambda: nt.random.normal(k, huge), lambda: nt.random.uniform(k, huge),
             lambda: nt.random.bernoulli(k, 0.5, huge), lambda: nt.random.randint(k, huge, 0, 3),
             lambda: nt.random.normal(k, {"a": 2**40, "b": 2**20}),
             lambda: nt.random.split(k, 2**62)):
    try:
        call()
    except nt.AxisSizeError as e:
        assert "nt.random." in str(e), e
    else:
        raise SystemExit("no error")
print("ok")
"""


def test_huge_sizes_are_refused_before_allocating():
    # in a subprocess: if the guard failed, XLA would abort the process, not fail a test
    run_isolated(_HUGE, timeout=300)


def test_bad_dtypes():
    for bad in ("int32", "bool", "uint8"):
        _raises(TypeError, lambda bad=bad: R.normal(KEY, {"a": 2}, bad), "nt.random.normal",
                "floating dtype", bad)
        _raises(TypeError, lambda bad=bad: R.uniform(KEY, {"a": 2}, dtype=bad), "nt.random.uniform",
                "floating dtype", bad)
    for bad in ("float32", "bool", "complex64"):
        _raises(TypeError, lambda bad=bad: R.randint(KEY, {"a": 2}, 0, 2, bad), "nt.random.randint",
                "integer dtype", bad)
    for call in (lambda d: R.normal(KEY, {"a": 2}, d), lambda d: R.uniform(KEY, {"a": 2}, dtype=d),
                 lambda d: R.randint(KEY, {"a": 2}, 0, 2, d)):
        for bad in ("U3", None, object, [1]):
            _raises(TypeError, lambda call=call, bad=bad: call(bad), "nt.random.", "dtype")
        _raises((TypeError, nt.NamedTensorError), lambda call=call: call("bogus"), "nt.random.",
                "'bogus'")
    _raises(TypeError, lambda: R.randint(KEY, {"a": 2}, 0, 2, "int4"), "nt.random.randint",
            "8-, 16-, 32- and 64-bit")


def test_randint_bounds_must_fit_the_dtype():
    _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, -1, 3, "uint8"),
            "nt.random.randint", "uint8")
    _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, 0, 257, "uint8"),
            "nt.random.randint", "high=257", "uint8")
    _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, 0, 2**31 + 1),
            "nt.random.randint", "int32")
    _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, -2**70, 0),
            "nt.random.randint", "int32")
    wide = nt.tensor(np.array([0, 2**40]), "a", backend="numpy")  # int64 NumPy data
    if not jax.config.jax_enable_x64:
        _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, 0, wide),
                "nt.random.randint", "high (a=2)", "int32", "wrap")


def test_uniform_bad_bounds():
    op = "nt.random.uniform"
    _raises(nt.NamedTensorError, lambda: R.uniform(KEY, {"a": 2}, 2.0, 1.0), op, "low=2.0",
            "high=1.0")
    for low, high in ((0.0, float("nan")), (float("nan"), 1.0), (0.0, float("inf")),
                      (-float("inf"), 0.0), (0, 10**400)):
        _raises(nt.NamedTensorError, lambda low=low, high=high: R.uniform(KEY, {"a": 2}, low, high),
                op, "finite")
    _raises(nt.NamedTensorError, lambda: R.uniform(KEY, {"a": 2}, -3e38, 3e38), op,
            "float32", "high - low")
    _raises(nt.NamedTensorError, lambda: R.uniform(KEY, {"a": 2}, 0.0, 1e39), op, "float32")
    for bad in ("0", None, True, 1j):
        _raises(TypeError, lambda bad=bad: R.uniform(KEY, {"a": 2}, low=bad), op, "low")
        _raises(TypeError, lambda bad=bad: R.uniform(KEY, {"a": 2}, high=bad), op, "high")


def test_randint_bad_bounds():
    op = "nt.random.randint"
    for low, high in ((3, 3), (5, 2)):
        _raises(nt.NamedTensorError, lambda low=low, high=high: R.randint(KEY, {"a": 2}, low, high),
                op, f"low={low}", f"high={high}")
    for bad in (1.5, "1", None, True, np.float32(1)):
        _raises(TypeError, lambda bad=bad: R.randint(KEY, {"a": 2}, bad, 5), op,
                "low must be an int")
        _raises(TypeError, lambda bad=bad: R.randint(KEY, {"a": 2}, -5, bad), op,
                "high must be an int")


def test_bernoulli_bad_p():
    op = "nt.random.bernoulli"
    for bad in (1.5, -0.1, float("nan"), float("inf")):
        _raises(nt.NamedTensorError, lambda bad=bad: R.bernoulli(KEY, bad, {"a": 2}), op, "[0, 1]",
                f"p={bad!r}")
    for bad in ("0.5", None, True, 0.5j):
        _raises(TypeError, lambda bad=bad: R.bernoulli(KEY, bad, {"a": 2}), op, "p")
    p = nt.tensor([0.5, VALUE, np.nan], "a")
    _raises(nt.NamedTensorError, lambda: R.bernoulli(KEY, p, {"a": 3}), op, "p (a=3)",
            "2 of its 3 values")


def test_positional_arrays_are_refused():
    for name, call in (("bernoulli p", lambda x: R.bernoulli(KEY, x, {"a": 2})),
                       ("uniform low", lambda x: R.uniform(KEY, {"a": 2}, low=x)),
                       ("uniform high", lambda x: R.uniform(KEY, {"a": 2}, 0.0, x + 1)),
                       ("randint low", lambda x: R.randint(KEY, {"a": 2}, x, 9)),
                       ("randint high", lambda x: R.randint(KEY, {"a": 2}, 0, x + 1))):
        op, arg = name.split()
        for x in (np.zeros(2, np.int32), jnp.zeros((2,), jnp.int32)):
            _raises(TypeError, lambda call=call, x=x: call(x), f"nt.random.{op}", arg, "shape (2,)",
                    "nt.tensor(x, names)")
        call(np.array(0, np.int32))  # a 0-d array is a number
        call(jnp.array(0, jnp.int32))


def test_named_operands_must_match_sizes():
    p = nt.tensor([0.5, 0.5, 0.5], "b")
    _raises(nt.AxisNameError, lambda: R.bernoulli(KEY, p, {"a": 3}), "nt.random.bernoulli",
            "['b']", "(a=3)")
    _raises(nt.AxisSizeError, lambda: R.bernoulli(KEY, p, {"a": 2, "b": 4}),
            "nt.random.bernoulli", "'b'", "size 3", "size 4")
    low = nt.tensor([0, 1, 2], "b")
    _raises(nt.AxisSizeError, lambda: R.uniform(KEY, {"b": 2}, low=low), "nt.random.uniform",
            "'b'", "size 3", "size 2")
    _raises(nt.AxisNameError, lambda: R.randint(KEY, {"c": 3}, low, 9), "nt.random.randint",
            "['b']")


def test_named_operand_dtypes_and_values():
    c = nt.tensor([0.5j, 0.5], "a")
    _raises(TypeError, lambda: R.bernoulli(KEY, c, {"a": 2}), "nt.random.bernoulli", "complex")
    f = nt.tensor([0.0, 1.0], "a")
    _raises(TypeError, lambda: R.randint(KEY, {"a": 2}, f, 5), "nt.random.randint",
            "integer NamedTensor", "float32")
    _raises(TypeError, lambda: R.uniform(KEY, {"a": 2}, nt.tensor([True, False], "a")),
            "nt.random.uniform", "low")
    low = nt.tensor([0.0, VALUE], "a")
    _raises(nt.NamedTensorError, lambda: R.uniform(KEY, {"a": 2}, low, 1.0), "nt.random.uniform",
            "low (a=2)", "low exceeds high")
    _raises(nt.NamedTensorError, lambda: R.uniform(KEY, {"a": 2}, low * np.nan, 1.0),
            "nt.random.uniform", "finite")
    ilow = nt.tensor([0, 12345], "a")
    _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, ilow, 10), "nt.random.randint",
            "low (a=2)", "low >= high")
    _raises(nt.NamedTensorError, lambda: R.randint(KEY, {"a": 2}, ilow, ilow),
            "nt.random.randint", "low >= high")


def test_traced_named_operands_are_not_read():
    # inside jit the values are unknown: no check, no error, still broadcast by name
    p = nt.tensor([0.0, 1.0], "b")

    @jax.jit
    def sample(key, p, high):
        return (R.bernoulli(key, p, {"a": 3, "b": 2}).data,
                R.randint(key, {"b": 2, "a": 3}, p.astype("int32"), high).data)

    mask, ints = sample(KEY, p, jnp.array(2))
    np.testing.assert_array_equal(mask, [[False, True]] * 3)
    assert ints.shape == (2, 3) and np.all((ints >= np.array([[0], [1]])) & (ints < 2))


# --- properties -----------------------------------------------------------------------------
DTYPES = {"normal": ["float32", "float16", "bfloat16"], "uniform": ["float32", "float16"],
          "randint": ["int32", "int8", "uint8", "uint32"], "bernoulli": ["bool"]}


@given(nts.sizes(max_rank=3, min_size=0, max_size=3), st.sampled_from(sorted(DTYPES)),
       st.data())
def test_results_have_the_sizes_names_and_dtype(sizes, name, data):
    dtype = data.draw(st.sampled_from(DTYPES[name]))
    key = R.key(data.draw(st.integers(0, 2**32 - 1)))
    if name == "bernoulli":
        t = R.bernoulli(key, 0.5, sizes)
    elif name == "randint":
        t = R.randint(key, sizes, 0, 3, dtype)
    else:
        t = getattr(R, name)(key, sizes, dtype=dtype)
    assert t.sizes == sizes and tuple(t.names) == tuple(sizes)
    assert t.dtype == np.dtype(dtype) and t.backend == "jax"


@given(st.floats(-1e3, 1e3, allow_subnormal=False), st.floats(0, 1e3, allow_subnormal=False),
       st.integers(0, 2**32 - 1))
def test_uniform_is_within_low_high(low, width, seed):
    high = low + width
    lo, hi = np.float32(low), np.float32(high)
    tiny = np.finfo(np.float32).tiny  # XLA flushes subnormal bounds to zero on CPU
    assume(all(v == 0 or abs(v) >= tiny for v in (lo, hi)))
    x = R.uniform(R.key(seed), {"a": 4, "b": 8}, low, high).numpy()
    assert x.dtype == np.float32
    if lo == hi:
        assert np.all(x == lo)
    else:
        assert np.all((x >= lo) & (x < hi)), (lo, hi, x.min(), x.max())


def test_uniform_never_reaches_high():
    # JAX computes low + u * (high - low), which rounds up to high for narrow ranges
    for low in (1.0, 1000.0, -3.5):
        high = float(np.nextafter(np.float32(low), np.float32(np.inf)))
        x = R.uniform(KEY, {"n": 4096}, low, high).numpy()
        assert np.all(x == np.float32(low))


@given(st.sampled_from(["int8", "uint8", "int16", "int32", "uint32"]), st.data())
def test_randint_is_within_low_high(dtype, data):
    info = np.iinfo(dtype)
    low = data.draw(st.integers(int(info.min), int(info.max)))
    high = data.draw(st.integers(low + 1, int(info.max) + 1))
    x = R.randint(R.key(data.draw(st.integers(0, 100))), {"n": 64}, low, high, dtype).numpy()
    assert x.dtype == np.dtype(dtype)
    assert all(low <= int(v) < high for v in x)


def test_randint_full_ranges():
    for dtype in ("uint8", "int32", "uint32"):
        info = np.iinfo(dtype)
        for low in (int(info.min), int(info.min) + 7):
            x = R.randint(KEY, {"n": 4096}, low, int(info.max) + 1, dtype).numpy()
            assert x.dtype == np.dtype(dtype) and x.min() >= low
            assert x.max() > info.max - (int(info.max) - low) // 8  # reaches the top eighth
            assert len(np.unique(x)) > 100


def test_bernoulli_extremes():
    assert not R.bernoulli(KEY, 0.0, {"a": 5, "b": 7}).numpy().any()
    assert R.bernoulli(KEY, 1.0, {"a": 5, "b": 7}).numpy().all()
    assert R.bernoulli(KEY, 1, {"a": 3}).numpy().all()
    mean = R.bernoulli(KEY, 0.3, {"n": 100_000}).numpy().mean()
    assert abs(mean - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 100_000)


def _oracle(values, value_names, names, shape):
    """``values`` (axes ``value_names``) broadcast by name to ``names``/``shape``, one
    element at a time."""
    out = np.empty(shape, values.dtype)
    for index in itertools.product(*map(range, shape)):
        at = dict(zip(names, index))
        out[index] = values[tuple(at[n] for n in value_names)]
    return out


_NAMED = nts.sizes(min_rank=1, max_rank=3, max_size=3)


@settings(max_examples=20)
@given(_NAMED, st.data())
def test_bernoulli_broadcasts_p_by_name(sizes, data):
    names, shape = tuple(sizes), tuple(sizes.values())
    sub = data.draw(st.permutations(names))[:data.draw(st.integers(0, len(names)))]
    backend = data.draw(st.sampled_from(["jax", "numpy"]))
    p_np = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=27)))
    size = int(np.prod([sizes[n] for n in sub]))
    p_np = np.resize(p_np, size).reshape([sizes[n] for n in sub]).astype(np.float32)
    p = nt.tensor(p_np, list(sub), backend=backend)
    t = R.bernoulli(KEY, p, sizes)
    assert t.names == names
    np.testing.assert_array_equal(t.numpy(), _oracle(p_np, sub, names, shape).astype(bool))


@settings(max_examples=10)
@given(_NAMED, st.data())
def test_named_bounds_broadcast_by_name(sizes, data):
    names, shape = tuple(sizes), tuple(sizes.values())
    sub = data.draw(st.permutations(names))[:data.draw(st.integers(0, len(names)))]
    size = int(np.prod([sizes[n] for n in sub]))
    low_np = np.array(data.draw(st.lists(st.integers(-50, 50), min_size=size, max_size=size)),
                      np.int32).reshape([sizes[n] for n in sub])
    low = nt.tensor(low_np, list(sub))
    expected = _oracle(low_np, sub, names, shape)
    # high = low + 1 leaves one integer, and uniform with low == high gives low: exact oracles
    np.testing.assert_array_equal(R.randint(KEY, sizes, low, low + 1).numpy(), expected)
    np.testing.assert_array_equal(R.uniform(KEY, sizes, low, low).numpy(),
                                  expected.astype(np.float32))
    x = R.uniform(KEY, sizes, low, low + 2).numpy()
    assert np.all((x >= expected) & (x < expected + 2))
    k = R.randint(KEY, sizes, -60, low + 1).numpy()
    assert np.all((k >= -60) & (k <= expected))


@given(st.integers(0, 2**32 - 1))
def test_same_key_same_values(seed):
    sizes = {"a": 3, "b": 4}
    for call in (lambda k: R.normal(k, sizes), lambda k: R.uniform(k, sizes, -2.0, 5.0),
                 lambda k: R.bernoulli(k, 0.5, sizes), lambda k: R.randint(k, sizes, 0, 1000)):
        np.testing.assert_array_equal(call(R.key(seed)).numpy(), call(R.key(seed)).numpy())
    k1, k2 = R.split(R.key(seed))
    assert not np.array_equal(R.normal(k1, sizes).numpy(), R.normal(k2, sizes).numpy())


def test_keys_work_inside_jit():
    x = jax.jit(lambda s: R.normal(R.key(s), {"a": 2}).data)(jnp.array(3))
    np.testing.assert_array_equal(x, R.normal(R.key(3), {"a": 2}).numpy())
    k = jax.jit(lambda k: R.uniform(k, {"a": 3}, 0.0, 2.0).data)(KEY)
    np.testing.assert_array_equal(k, R.uniform(KEY, {"a": 3}, 0.0, 2.0).numpy())


# --- categorical, permutation, dropout (issue 12) -----------------------------------------
def _same_after_alignment(a, b):
    assert set(a.names) == set(b.names)
    np.testing.assert_array_equal(a.numpy(), b.align_to(*a.names).numpy())


def test_categorical_frequencies_match_softmax():
    probs = np.array([0.1, 0.6, 0.3, 0.0])
    with np.errstate(divide="ignore"):
        logits = nt.tensor(np.broadcast_to(np.log(probs), (20000, 4)).astype(np.float32),
                           "draw cls")
    ids = R.categorical(KEY, logits, "cls")
    assert ids.names == ("draw",) and ids.dtype == np.dtype(_validate_int())
    counts = np.bincount(ids.numpy(), minlength=4) / 20000
    # 5 standard deviations of a binomial frequency at n=20000 is below 0.018
    assert np.all(np.abs(counts - probs) < 0.018), counts
    assert counts[3] == 0  # a -inf logit is never drawn


def _validate_int():
    from namedtensor._validate import default_int
    return default_int()


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_categorical_properties(data):
    logits = data.draw(nts.named_tensors(min_rank=1, elements=st.floats(-5, 5, width=32)))
    name = data.draw(st.sampled_from(logits.names))
    assume(logits.sizes[name] > 0)
    seed = data.draw(st.integers(0, 2**31 - 1))
    ids = R.categorical(R.key(seed), logits, name)
    assert ids.names == tuple(n for n in logits.names if n != name)
    assert ids.numpy().min(initial=0) >= 0 and ids.numpy().max(initial=0) < logits.sizes[name]
    # layout, not meaning: another storage order draws the same indices
    _same_after_alignment(ids, R.categorical(R.key(seed), data.draw(nts.permuted(logits)), name))
    # numpy in, numpy out, the same values
    host = R.categorical(R.key(seed), nt.tensor(logits.numpy(), logits.names, backend="numpy"),
                         name)
    assert host.backend == "numpy" and host.numpy().tolist() == ids.numpy().tolist()


def test_categorical_inside_jit_and_with_an_overwhelming_logit():
    logits = nt.tensor(np.array([[0.0, 30.0, 0.0], [0.0, 0.0, 30.0]], np.float32), "b v")
    out = nt.jit(lambda k, x: R.categorical(k, x, "v"))(KEY, logits)
    assert out.tolist() == [1, 2]
    assert R.categorical(KEY, nt.tensor([0, 5, 0], "v"), "v").names == ()  # integer logits


def test_categorical_bad_input():
    logits = nt.tensor(np.full((2, 3), VALUE, np.float32), "b v")
    op = "nt.random.categorical"
    _raises(TypeError, lambda: R.categorical(KEY, np.zeros((2, 3)), "v"), op, "NamedTensor")
    _raises(TypeError, lambda: R.categorical(KEY, logits > 0, "v"), op, "bool")
    _raises(nt.AxisNameError, lambda: R.categorical(KEY, logits, "vv"), op, "'vv'",
            "did you mean 'v'")
    _raises(TypeError, lambda: R.categorical(KEY, logits, 1), op, "name")
    _raises(nt.AxisSizeError, lambda: R.categorical(KEY, nt.zeros({"b": 2, "v": 0}), "v"), op,
            "size 0")
    _raises(TypeError, lambda: R.categorical(None, logits, "v"), op, "key")


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_permutation_is_one_shuffle_of_the_axis(data):
    t = data.draw(nts.named_tensors(min_rank=1, backend=["jax", "numpy"]))
    name = data.draw(st.sampled_from(t.names))
    seed = data.draw(st.integers(0, 2**31 - 1))
    out = R.permutation(R.key(seed), t, name)
    assert out.names == t.names and out.backend == t.backend and out.dtype == t.dtype
    n = t.sizes[name]
    perm = R.permutation(R.key(seed), nt.arange(name, n), name).numpy()
    assert sorted(perm.tolist()) == list(range(n))
    expected = np.take(t.numpy(), perm, axis=t.names.index(name))  # the oracle
    np.testing.assert_array_equal(out.numpy(), expected)
    _same_after_alignment(out, R.permutation(R.key(seed), data.draw(nts.permuted(t)), name))


def test_permutation_is_uniform():
    perms = jax.vmap(lambda k: R.permutation(k, nt.arange("x", 3), "x").data)(R.split(KEY, 3000))
    codes = np.asarray(perms) @ np.array([9, 3, 1])  # one code per permutation of 0, 1, 2
    freq = np.array([np.mean(codes == c) for c in np.unique(codes)])
    assert len(freq) == 6 and np.all(np.abs(freq - 1 / 6) < 0.035), freq  # 5 sigma


def test_permutation_bad_input():
    t = nt.tensor(np.full((2, 3), VALUE, np.float32), "a b")
    op = "nt.random.permutation"
    _raises(TypeError, lambda: R.permutation(KEY, np.arange(3), "a"), op, "NamedTensor")
    _raises(TypeError, lambda: R.permutation(KEY, 5, "a"), op, "NamedTensor")
    _raises(nt.AxisNameError, lambda: R.permutation(KEY, t, "c"), op, "'c'", "a=2")
    _raises(TypeError, lambda: R.permutation(KEY, t, ["a"]), op, "name")
    _raises(TypeError, lambda: R.permutation("key", t, "a"), op, "key")


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_dropout_properties(data):
    t = data.draw(nts.named_tensors(min_rank=1, backend=["jax", "numpy"]))
    rate = data.draw(st.sampled_from([0.0, 0.1, 0.5, 0.9]))
    seed = data.draw(st.integers(0, 2**31 - 1))
    out = R.dropout(R.key(seed), t, rate)
    assert out.names == t.names and out.backend == t.backend and out.dtype == t.dtype
    kept = out.numpy() != 0
    scaled = (t.numpy() / np.float32(1 - rate)).astype(t.dtype)
    np.testing.assert_allclose(out.numpy()[kept], scaled[kept], rtol=1e-6)
    if rate == 0:
        assert out is t
    _same_after_alignment(out, R.dropout(R.key(seed), data.draw(nts.permuted(t)), rate))
    other = "numpy" if t.backend == "jax" else "jax"
    twin = R.dropout(R.key(seed), nt.tensor(t.numpy(), t.names, backend=other), rate)
    np.testing.assert_allclose(twin.numpy(), out.numpy(), rtol=1e-6)


def test_dropout_statistics_and_gradient():
    t = nt.ones({"a": 200, "b": 100})
    out = R.dropout(KEY, t, 0.3)
    zero = float((out == 0).mean())
    assert abs(zero - 0.3) < 0.02 and abs(float(out.mean()) - 1.0) < 0.05  # inverted
    g = nt.grad(lambda t: R.dropout(KEY, t, 0.3).sum())(t)
    np.testing.assert_allclose(g.numpy(), out.numpy(), rtol=1e-6)  # mask / (1 - rate)
    jitted = nt.jit(lambda t, rate: R.dropout(KEY, t, rate))(t, 0.3)
    np.testing.assert_allclose(jitted.numpy(), out.numpy(), rtol=1e-6)


def test_dropout_bad_input():
    t = nt.tensor(np.full((2, 3), VALUE, np.float32), "a b")
    op = "nt.random.dropout"
    for bad in (1.0, -0.1, float("nan"), 2):
        _raises(nt.NamedTensorError, lambda bad=bad: R.dropout(KEY, t, bad), op, "[0, 1)")
    for bad in ("0.5", None, True, np.zeros(2), t):
        _raises(TypeError, lambda bad=bad: R.dropout(KEY, t, bad), op, "rate")
    _raises(TypeError, lambda: R.dropout(KEY, nt.ones({"a": 2}, dtype="int32"), 0.5), op,
            "floating", "int32")
    _raises(TypeError, lambda: R.dropout(KEY, np.ones(3), 0.5), op, "NamedTensor")
    _raises(TypeError, lambda: R.dropout(3, t, 0.5), op, "key")
