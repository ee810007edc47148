"""Bad input to nt.einsum, nt.dot and nt.explain: one test per class of mistake.

Each raises the SPEC section 15 exception (a TypeError for a wrong type, a
NamedTensorError subclass for a wrong value, never a raw NumPy/JAX/opt_einsum one),
and the message names the operation, the operands' axes and sizes, never the values.
"""

import textwrap

import jax
import numpy as np
import pytest

import namedtensor as nt
from _helpers import raises as _raises
from _helpers import run_isolated

VALUE = 12345.678  # a value that must never appear in a message


def _t(sizes, backend="jax", dtype="float32"):
    return nt.full(sizes, VALUE, dtype=dtype, backend=backend)


def _pair(backend):
    return _t({"i": 2, "k": 3}, backend), _t({"k": 3, "j": 4}, backend)


# --- malformed specs (values) --------------------------------------------------------
def test_malformed_spec(backend):
    a, b = _pair(backend)
    _raises(nt.SpecError, lambda: nt.einsum("i k -> k -> i", a), "nt.einsum", "exactly one '->'")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j", a, b), "exactly one '->'", "found 0")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k 2j -> i", a, b), "invalid axis name '2j'")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i-j", a, b), "'i-j'")
    _raises(nt.SpecError, lambda: nt.einsum("i i -> i", _t({"i": 2, "j": 2}, backend)),
            "repeats ['i']")


def test_spec_does_not_match_the_operands(backend):
    a, b = _pair(backend)
    _raises(nt.SpecError, lambda: nt.einsum("i k, , k j -> i", a, b), "3 operand(s)",
            "2 tensor(s)")
    _raises(nt.SpecError, lambda: nt.einsum("i k, -> i", a, b), "operand 1", "k=3, j=4", "(0-d)")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i j", a), "2 operand(s)", "1 tensor(s)")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k jj -> i", a, b), "operand 1",
            "lacks ['jj']", "extra ['j']", "did you mean 'j'?")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i z", a, b), "output name 'z'",
            "in no operand")
    _raises(nt.SpecError, lambda: nt.einsum("-> i jj", a, b), "output name 'jj'",
            "did you mean 'j'?")
    _raises(nt.SpecError, lambda: nt.einsum("-> i"), "nt.einsum", "at least one tensor")
    _raises(nt.SpecError, lambda: nt.dot(over="k"), "nt.dot", "at least one tensor")


def test_size_disagreement_names_operands_axes_and_sizes(backend):
    a, _ = _pair(backend)
    c = _t({"k": 4, "j": 1}, backend)
    _raises(nt.AxisSizeError, lambda: nt.einsum("i k, k j -> i j", a, c), "nt.einsum", "'k'",
            "size 3", "size 4", "operand 0", "operand 1", "(i=2, k=3)", "(k=4, j=1)")
    _raises(nt.AxisSizeError, lambda: nt.dot(a, _t({"k": 1}, backend), over="k"), "nt.dot",
            "'k'", "size 3", "size 1")


# --- class 1: implicit forms contract only shared names ------------------------------
def test_dot_over_a_name_only_one_operand_has(backend):
    """The attention bug: values left on 'seq' while the weights have 'key'."""
    attn = _t({"batch": 2, "heads": 3, "seq": 4, "key": 4}, backend)
    v = _t({"batch": 2, "heads": 3, "seq": 4, "head_dim": 5}, backend)
    _raises(nt.SpecError, lambda: nt.dot(attn, v, over="key"), "nt.dot", "'key'",
            "only operand 0", "(batch=2, heads=3, seq=4, key=4)", "t.sum('key')",
            "t.rename(", "k.prime('seq')",
            "nt.einsum('batch heads seq key, batch heads seq head_dim -> batch heads seq "
            "head_dim', ...)")
    _raises(nt.SpecError, lambda: nt.dot(v, attn, over=["seq", "key"]), "only operand 1")
    # "no operand has it" keeps its own error
    _raises(nt.AxisNameError, lambda: nt.dot(attn, v, over="kye"), "nt.dot", "'kye'",
            "no operand has it", "did you mean 'key'?")


def test_short_form_leaving_out_a_name_only_one_operand_has(backend):
    attn = _t({"batch": 2, "heads": 3, "seq": 4, "key": 4}, backend)
    v = _t({"batch": 2, "heads": 3, "seq": 4, "head_dim": 5}, backend)
    _raises(nt.SpecError, lambda: nt.einsum("-> batch seq heads head_dim", attn, v), "nt.einsum",
            "short form '-> batch seq heads head_dim'", "'key' is only in operand 0",
            "(batch=2, heads=3, seq=4, key=4)", "t.sum('key')", "k.prime('seq')",
            "'batch heads seq key, batch heads seq head_dim -> batch seq heads head_dim'")
    # "output name in no operand" is checked first and keeps its own error
    _raises(nt.SpecError, lambda: nt.einsum("-> batch seq heads head_dm", attn, v),
            "output name 'head_dm'", "in no operand", "did you mean 'head_dim'?")
    _raises(nt.SpecError, lambda: nt.explain("-> batch seq heads head_dim", attn, v),
            "nt.explain", "'key' is only in operand 0")


# --- class 2: wrong types -----------------------------------------------------------
def test_spec_of_a_wrong_type():
    a, b = _pair("jax")
    for spec in (3, None, b"i k -> i", ["i k -> i"], ("i k -> i",)):
        _raises(TypeError, lambda spec=spec: nt.einsum(spec, a), "nt.einsum", "spec must be a str",
                type(spec).__name__)
        _raises(TypeError, lambda spec=spec: nt.explain(spec, a), "nt.explain",
                "spec must be a str")
    _raises(TypeError, lambda: nt.einsum(a, "i k -> i"), "spec must be a str", "comes first")


def test_optimize_of_a_wrong_type():
    a, b = _pair("jax")
    for optimize in (3, 1.5, {}, {"a": 1}, object(), None, np.ones(2)):
        _raises(TypeError, lambda opt=optimize: nt.einsum("i k, k j -> i j", a, b, optimize=opt),
                "nt.einsum", "optimize must be", type(optimize).__name__)
        _raises(TypeError, lambda opt=optimize: nt.dot(a, b, over="k", optimize=opt), "nt.dot",
                "optimize must be")
        _raises(TypeError, lambda opt=optimize: nt.explain("i k, k j -> i j", a, b, optimize=opt),
                "nt.explain", "optimize must be")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i j", a, b, optimize="fastest"),
            "optimize='fastest'", "'greedy'")


def test_over_of_a_wrong_type():
    a, b = _pair("jax")
    for over in (3, None, 1.5, {"k": 1}, np.array(["k"])):
        _raises(TypeError, lambda over=over: nt.dot(a, b, over=over), "nt.dot",
                "over must be one axis name", type(over).__name__)
    _raises(TypeError, lambda: nt.dot(a, b, over=["k", 3]), "nt.dot", "over", "int")
    _raises(nt.AxisNameError, lambda: nt.dot(a, b, over="2k"), "nt.dot", "'2k'")
    _raises(nt.AxisNameError, lambda: nt.dot(a, b, over=["k", "k"]), "nt.dot", "repeats")
    # a set is refused, as everywhere names are given (SPEC section 15)
    _raises(TypeError, lambda: nt.dot(a, b, over={"k"}), "nt.dot", "set")


def test_operand_that_is_not_a_tensor(backend):
    a, _ = _pair(backend)
    for bad in (None, "k j", [1.0, 2.0], {"k": 3}, b"x"):
        _raises(TypeError, lambda bad=bad: nt.einsum("i k, k j -> i j", a, bad), "nt.einsum",
                "operand 1", type(bad).__name__, "nt.tensor(x, names)")
        _raises(TypeError, lambda bad=bad: nt.dot(a, bad, over="k"), "nt.dot", "operand 1")
        _raises(TypeError, lambda bad=bad: nt.explain("i k, k j -> i j", a, bad), "nt.explain",
                "operand 1")
    for positional in (np.ones((3, 4)), jax.numpy.ones(3)):
        _raises(TypeError, lambda p=positional: nt.einsum("i k, k j -> i j", a, p), "nt.einsum",
                "positional", "nt.tensor(x, names)")
        _raises(TypeError, lambda p=positional: nt.dot(a, p, over="k"), "nt.dot",
                "nt.tensor(x, names)")
        _raises(TypeError, lambda p=positional: nt.explain("i k, k j -> i j", a, p), "nt.explain",
                "nt.tensor(x, names)")


def test_scalar_operand_that_would_wrap(backend):
    a = nt.full({"i": 2}, 123, dtype="int8", backend=backend)
    _raises(nt.NamedTensorError, lambda: nt.einsum("i, -> i", a, 2**40), "nt.einsum",
            "operand 1", "int32", "wrap")


# --- class 3: explicit paths -----------------------------------------------------------
@pytest.mark.parametrize("path, fragment", [
    ([(0, 5)], "refers to operand 5"),
    ([(0, -1), (0, 1)], "refers to operand -1"),
    ([(0, 1), (0, 1), (0, 1)], "step 2 refers to operand 1, but 1 operand(s) are left"),
    ([(0, 0), (0, 1)], "repeats an operand"),
    ([(), (0, 1)], "not a non-empty tuple"),
    ([], "the path is empty"),
    ([(0.0, 1), (0, 1)], "not an int"),
    ([("0", 1), (0, 1)], "not an int"),
    ([(True, 1), (0, 1)], "not an int"),
    ([(0, 1)], "leaves 2 operands uncontracted"),
    ([0, 1], "not a non-empty tuple"),
    ([(0, 1), (0, {})], "not an int"),
])
def test_bad_explicit_path(backend, path, fragment):
    a, b = _pair(backend)
    c = _t({"j": 4}, backend)
    for fn, op in ((nt.einsum, "nt.einsum"), (nt.explain, "nt.explain")):
        _raises(nt.SpecError, lambda fn=fn: fn("i k, k j, j -> i", a, b, c, optimize=path), op,
                "explicit path", "for 3 operand(s)", fragment)
    _raises(nt.SpecError, lambda: nt.dot(a, b, c, over=["k", "j"], optimize=path), "nt.dot",
            "for 3 operand(s)", fragment)


# --- class 4: NumPy-style letters ----------------------------------------------------
def test_numpy_style_spec_suggests_space_separated_names(backend):
    x, w = _t({"b": 2, "s": 3, "e": 4}, backend), _t({"e": 4, "h": 5}, backend)
    hint = "names are space-separated words"
    _raises(nt.SpecError, lambda: nt.einsum("bse,eh->bsh", x, w), hint,
            "did you mean 'b s e, e h -> b s h'?")
    _raises(nt.SpecError, lambda: nt.einsum("bse,eh->", x, w), "operand 0", "(b=2, s=3, e=4)",
            hint, "'b s e, e h ->'")
    _raises(nt.SpecError, lambda: nt.einsum("bse -> bse", x), hint, "'b s e -> b s e'")
    _raises(nt.SpecError, lambda: nt.einsum("->bsh", x, w), hint, "'-> b s h'")
    # long names that merely do not match get no such hint
    message = _raises(nt.SpecError, lambda: nt.einsum("batch -> batch", x), "operand 0")
    assert hint not in message


# --- class 7: devices ------------------------------------------------------------------
def test_operands_on_different_devices_raise_device_mismatch():
    """Two host devices (XLA's flag must be set before JAX starts, so: a subprocess)."""
    script = textwrap.dedent("""
        import namedtensor as nt
        a = nt.full({"i": 2, "k": 3}, 12345.678, device="cpu:0")
        b = nt.full({"k": 3, "j": 4}, 12345.678, device="cpu:1")
        assert (a.device, b.device) == ("cpu:0", "cpu:1"), (a.device, b.device)
        for op, fn in (("nt.einsum", lambda: nt.einsum("i k, k j -> i j", a, b)),
                       ("nt.dot", lambda: nt.dot(a, b, over="k")),
                       ("nt.einsum", lambda: nt.einsum("-> i j", a.astype("int8"),
                                                       b.astype("int8")))):
            try:
                fn()
            except nt.DeviceMismatchError as e:
                text = str(e)
                assert op in text and "cpu:0" in text and "cpu:1" in text, text
                assert "12345" not in text, text
            else:
                raise SystemExit(f"no DeviceMismatchError from {op}")
        # on one device, or with uncommitted operands (NumPy, scalars), it works
        assert nt.einsum("i k, k j -> i j", a.to("cpu:1"), b).device == "cpu:1"
        numpy_a = nt.ones({"i": 2, "k": 3}, backend="numpy")
        assert nt.einsum("i k, k j, -> i j", numpy_a, b, 2.0).device == "cpu:1"
        print("ok")
    """)
    run_isolated(script, devices=2)


# --- class 8: explain ---------------------------------------------------------------------
def test_explain_checks_as_einsum_does(backend):
    a, b = _pair(backend)
    _raises(nt.SpecError, lambda: nt.explain("i k, k jj -> i", a, b), "nt.explain",
            "operand 1", "did you mean 'j'?")
    _raises(nt.AxisSizeError, lambda: nt.explain("i k, k j -> i", a, _t({"k": 5, "j": 4}, backend)),
            "nt.explain", "'k'", "size 3", "size 5")
    _raises(nt.SpecError, lambda: nt.explain("i k -> i", a, optimize=[(0, 1)]), "nt.explain",
            "for 1 operand(s)")
    assert "contraction in 1 step(s)" in str(nt.explain("i k, k j -> i j", a, b))


# --- no bad input poisons later calls -------------------------------------------------------
def test_errors_do_not_poison_the_caches(backend):
    a, b = _pair(backend)
    spec = "i k, k j -> i j"
    for bad in (lambda: nt.einsum(spec, a, b, optimize=[(0, 5)]),
                lambda: nt.einsum(spec, a, b, optimize={}),
                lambda: nt.einsum(spec, a, None),
                lambda: nt.einsum([spec], a, b),
                lambda: nt.dot(a, b, over=None),
                lambda: nt.dot(a, _t({"j": 4}, backend), over="i")):
        with pytest.raises((TypeError, nt.NamedTensorError)):
            bad()
        with pytest.raises((TypeError, nt.NamedTensorError)):
            bad()  # the same error again (errors are not cached as results)
    good = nt.einsum(spec, a, b, optimize=[(0, 1)])
    assert good.sizes == {"i": 2, "j": 4}
    assert float(good.sum()) == pytest.approx(8 * 3 * VALUE * VALUE, rel=1e-5)


def test_errors_under_jit_match_eager():
    a, b = _pair("jax")
    with pytest.raises(nt.SpecError) as eager:
        nt.dot(a, b.rename(k="m"), over="k")
    with pytest.raises(nt.SpecError) as traced:
        jax.jit(lambda x, y: nt.dot(x, y, over="k"))(a, b.rename(k="m"))
    assert str(eager.value) == str(traced.value)
