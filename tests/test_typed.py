# ruff: noqa: F722, F821  (nt.T["a b"] holds names, not forward references)
"""nt.typed and nt.T: named signatures checked at call time (SPEC section 16).

Random signatures and calls are drawn with hypothesis; the expected outcome comes from
``_oracle_outcome``, a reference checker written here independently of ``_typed.py``.
"""

import re
import typing

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from namedtensor.grad import grad
from namedtensor.testing import strategies as nts

SENTINEL = 12345.678  # tensors hold it; no message may show it


def _t(sizes, backend="jax", value=SENTINEL, dtype="float32"):
    return nt.tensor(np.full(tuple(sizes.values()), value, dtype), tuple(sizes), backend=backend)


def _raises(error, call, *words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "12345" not in message, message
    for w in words:
        assert w in message, (w, message)
    return message


# --- the oracle ------------------------------------------------------------------------------
def _oracle_outcome(annotations, tensors):
    """``None`` if the call is good; else ``("names", i, set())`` or ``("size", i, axes)``
    for the first bad tensor ``i`` (axes: the names whose size disagrees with an earlier
    tensor). ``annotations[i]`` is ``(set of names, rest allowed)``."""
    first_size = {}
    for i, ((names, rest), t) in enumerate(zip(annotations, tensors, strict=True)):
        have = t.sizes
        if not names <= set(have) or (not rest and set(have) != names):
            return ("names", i, set())
        clash = {n for n in names if n in first_size and first_size[n] != have[n]}
        if clash:
            return ("size", i, clash)
        for n in names:
            first_size.setdefault(n, have[n])
    return None


def _function(annotations, result):
    """A function of parameters p0, p1, ... returning ``result``, annotated with the nt.T of
    each entry of ``annotations`` but the last, which annotates the result."""
    space = {}
    params = ", ".join(f"p{i}" for i in range(len(annotations) - 1))
    exec(f"def f({params}):\n    return result", space)
    f = space["f"]
    f.__globals__["result"] = result
    texts = [" ".join(sorted(names)) + (" ..." if rest else "") for names, rest in annotations]
    f.__annotations__ = {f"p{i}": nt.T[text] for i, text in enumerate(texts[:-1])}
    f.__annotations__["return"] = nt.T[texts[-1]]
    return f


@st.composite
def _calls(draw):
    """Annotations for 1-3 parameters and a result, and tensors that fit them (names in any
    order, extra names where '...' allows them), then, in most draws, one tensor broken by
    one change: a name dropped, an unexpected name added, or one size changed."""
    pool = draw(st.lists(nts.axis_names(max_length=3).flatmap(
        lambda n: st.sampled_from([n, n + "'"])), min_size=1, max_size=3, unique=True))
    sizes = {n: draw(st.integers(1, 4)) for n in pool}
    count = draw(st.integers(2, 4))  # parameters + the result
    annotations, haves = [], []
    for _ in range(count):
        names = set(draw(st.lists(st.sampled_from(pool), max_size=3, unique=True)))
        rest = draw(st.booleans())
        have = {n: sizes[n] for n in names}
        if rest and draw(st.booleans()):
            have["extra_" + draw(st.sampled_from("xyz"))] = draw(st.integers(1, 3))
        annotations.append((names, rest))
        haves.append(have)
    change = draw(st.sampled_from(["size", "drop", "add", "none"]))
    index = draw(st.integers(0, count - 1))
    have = haves[index]
    if change == "drop" and have:
        del have[draw(st.sampled_from(sorted(have)))]
    elif change == "add":
        have["unexpected"] = 2
    elif change == "size" and set(have) & annotations[index][0]:
        n = draw(st.sampled_from(sorted(set(have) & annotations[index][0])))
        have[n] += draw(st.integers(1, 2))
    tensors = [_t({n: have[n] for n in draw(st.permutations(sorted(have)))}) for have in haves]
    return annotations, tensors


@settings(max_examples=80)
@given(_calls())
def test_random_signatures_agree_with_the_oracle(call):
    annotations, tensors = call
    f = nt.typed(_function(annotations, tensors[-1]))
    expected = _oracle_outcome(annotations, tensors)
    labels = [f"argument p{i}" for i in range(len(tensors) - 1)] + ["result"]
    for _ in range(2):  # the second call is answered from the cache
        if expected is None:
            assert f(*tensors[:-1]) is tensors[-1]
            continue
        kind, i, axes = expected
        error = nt.AxisNameError if kind == "names" else nt.AxisSizeError
        message = _raises(error, lambda: f(*tensors[:-1]), "f: ", labels[i])
        if kind == "size":
            axis = re.search(r"axis (\S+) has size", message).group(1)
            assert eval(axis) in axes, (message, axes)


@st.composite
def _list_calls(draw):
    """One annotation shared by the items of a list, and 1-4 items that fit it, one of them
    perhaps broken (a name dropped or added, a size changed)."""
    pool = draw(st.lists(nts.axis_names(max_length=2), min_size=1, max_size=3, unique=True))
    names, rest = set(draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))), \
        draw(st.booleans())
    sizes = {n: draw(st.integers(1, 3)) for n in names}
    haves = [dict(sizes) for _ in range(draw(st.integers(1, 4)))]
    have = draw(st.sampled_from(haves))
    change = draw(st.sampled_from(["size", "drop", "add", "none"]))
    if change == "size":
        n = draw(st.sampled_from(sorted(names)))
        have[n] += 1
    elif change == "drop":
        del have[draw(st.sampled_from(sorted(names)))]
    elif change == "add":
        have["zz_extra"] = 2
    tensors = [_t({n: h[n] for n in draw(st.permutations(sorted(h)))}) for h in haves]
    return (names, rest), tensors


@settings(max_examples=30)
@given(_list_calls())
def test_random_lists_agree_with_the_oracle(call):
    annotation, tensors = call
    text = " ".join(sorted(annotation[0])) + (" ..." if annotation[1] else "")

    @nt.typed
    def f(xs: list[nt.T[text]]) -> int:
        return len(xs)

    expected = _oracle_outcome([annotation] * len(tensors), tensors)
    if expected is None:
        assert f(tensors) == len(tensors)
        return
    kind, i, axes = expected
    error = nt.AxisNameError if kind == "names" else nt.AxisSizeError
    message = _raises(error, lambda: f(tensors), f"f: argument xs[{i}]")
    if kind == "size":
        assert eval(re.search(r"axis (\S+) has size", message).group(1)) in axes, message


@settings(max_examples=20)
@given(_calls())
def test_keywords_and_positions_check_alike(call):
    annotations, tensors = call
    f = nt.typed(_function(annotations, tensors[-1]))
    kwargs = {f"p{i}": t for i, t in enumerate(tensors[:-1])}
    expected = _oracle_outcome(annotations, tensors)
    if expected is None:
        assert f(**kwargs) is tensors[-1]
    else:
        error = nt.AxisNameError if expected[0] == "names" else nt.AxisSizeError
        with pytest.raises(error):
            f(**kwargs)


# --- explicit expectations --------------------------------------------------------------------
@nt.typed
def attend(q: nt.T["batch seq d"], k: nt.T["batch seq' d"]) -> nt.T["batch seq seq'"]:
    """Attention scores."""
    return nt.einsum("batch seq d, batch seq' d -> batch seq seq'", q, k)


def test_the_size_error_names_function_argument_axis_and_both_sizes(backend):
    q = _t({"batch": 2, "seq": 3, "d": 8}, backend)
    message = _raises(nt.AxisSizeError, lambda: attend(q, _t({"batch": 2, "seq'": 5, "d": 16},
                                                                backend)))
    assert message.startswith("attend: argument k: axis 'd' has size 16 but argument q bound "
                              "'d' to 8"), message
    assert attend(q, _t({"d": 8, "seq'": 5, "batch": 2}, backend)).sizes == \
        {"batch": 2, "seq": 3, "seq'": 5}


def test_name_errors_say_what_is_missing_and_what_is_extra():
    q = _t({"batch": 2, "seq": 3, "d": 8})
    _raises(nt.AxisNameError, lambda: attend(q, _t({"batch": 2, "seq": 5, "d": 8})),
            "attend: argument k lacks axis \"seq'\"", "unexpected axis 'seq'",
            "T[\"batch seq' d\"]")
    _raises(nt.AxisNameError, lambda: attend(q, _t({"batch": 2, "seq'": 5, "d": 8, "e": 1})),
            "argument k has unexpected axis 'e'", "add '...'")


def test_the_result_is_checked_against_the_arguments():
    @nt.typed
    def widen(x: nt.T["batch d"]) -> nt.T["batch d"]:
        return nt.concat([x, x], "d")

    _raises(nt.AxisSizeError, lambda: widen(nt.ones({"batch": 2, "d": 3})),
            "widen: result: axis 'd' has size 6 but argument x bound 'd' to 3")

    @nt.typed
    def drop(x: nt.T["batch d"]) -> nt.T["batch d"]:
        return x.sum("d")

    _raises(nt.AxisNameError, lambda: drop(nt.ones({"batch": 2, "d": 3})),
            "drop: result lacks axis 'd'")


def test_a_value_that_is_not_a_tensor_is_a_type_error():
    q = _t({"batch": 2, "seq": 3, "d": 8})
    _raises(TypeError, lambda: attend(q, np.full((2, 5, 8), SENTINEL)), "attend: argument k",
            "NamedTensor", "nt.tensor(x, \"batch seq' d\")")
    _raises(TypeError, lambda: attend(None, q), "attend: argument q", "None")

    @nt.typed
    def f(x: nt.T["a"]) -> nt.T["a"]:
        return 1.0

    _raises(TypeError, lambda: f(nt.ones({"a": 2})), "f: result must be a NamedTensor")


def test_primed_names_are_distinct_and_dots_allow_other_axes_without_binding_them():
    @nt.typed
    def cov(x: nt.T["feat feat'"], y: nt.T["batch ..."], z: nt.T["batch ..."]):
        return x

    cov(nt.ones({"feat": 2, "feat'": 3}), nt.ones({"batch": 2, "h": 4}),
        nt.ones({"h": 5, "batch": 2}))  # 'h' is not annotated: not bound
    _raises(nt.AxisSizeError, lambda: cov(nt.ones({"feat": 2, "feat'": 3}), nt.ones({"batch": 2}),
                                          nt.ones({"batch": 3})), "argument z: axis 'batch'")
    _raises(nt.AxisNameError, lambda: cov(nt.ones({"feat": 2, "feat'": 3}), nt.ones({"h": 2}),
                                          nt.ones({"batch": 3})), "argument y lacks axis 'batch'")


def test_pytree_annotations():
    @nt.typed
    def f(params: dict[str, nt.T["d h"]], xs: list[nt.T["batch d"]],
          pair: tuple[nt.T["h"], nt.T["batch"]], rest: tuple[nt.T["h ..."], ...],
          mask: nt.T["batch"] | None = None) -> tuple[nt.T["batch h"], int]:
        return nt.einsum("batch d, d h -> batch h", xs[0], params["w"]), 1

    p = {"w": nt.ones({"d": 3, "h": 4}), "v": nt.ones({"h": 4, "d": 3})}
    xs = [nt.ones({"batch": 2, "d": 3})] * 2
    pair = (nt.ones({"h": 4}), nt.ones({"batch": 2}))
    out, one = f(p, xs, pair, (nt.ones({"h": 4, "z": 1}),), mask=None)
    assert out.sizes == {"batch": 2, "h": 4} and one == 1
    f(p, xs, pair, (), nt.ones({"batch": 2}))
    _raises(nt.AxisSizeError, lambda: f({**p, "v": nt.ones({"h": 5, "d": 3})}, xs, pair, ()),
            "f: argument params['v']: axis 'h' has size 5 but argument params['w'] bound 'h' to 4")
    _raises(nt.AxisSizeError, lambda: f(p, xs + [nt.ones({"batch": 3, "d": 3})], pair, ()),
            "argument xs[2]: axis 'batch' has size 3")
    _raises(nt.AxisSizeError, lambda: f(p, xs, pair, (nt.ones({"h": 2}),)), "argument rest[0]")
    _raises(nt.AxisSizeError, lambda: f(p, xs, pair, (), nt.ones({"batch": 7})), "argument mask")
    _raises(TypeError, lambda: f(p, tuple(xs), pair, ()), "f: argument xs must be a list")
    _raises(TypeError, lambda: f(p, xs, pair[:1], ()), "argument pair must be a tuple of 2")
    _raises(TypeError, lambda: f([p["w"]], xs, pair, ()), "argument params must be a mapping")


def test_var_positional_var_keyword_keyword_only_and_defaults():
    @nt.typed
    def f(*xs: nt.T["a"], scale: nt.T["a"] = None, **named: nt.T["a"]):
        return xs[0]

    f(nt.ones({"a": 2}), nt.ones({"a": 2}), w=nt.ones({"a": 2}))  # scale left to its default
    _raises(nt.AxisSizeError, lambda: f(nt.ones({"a": 2}), nt.ones({"a": 3})), "argument xs[1]")
    _raises(nt.AxisSizeError, lambda: f(nt.ones({"a": 2}), w=nt.ones({"a": 3})), "argument w")
    _raises(nt.AxisSizeError, lambda: f(nt.ones({"a": 2}), scale=nt.ones({"a": 3})),
            "argument scale")


def test_keywords_defaults_and_positional_only_parameters():
    @nt.typed
    def f(x: nt.T["a"], /, y: nt.T["a"] = None, **extra):
        return extra

    assert list(f(nt.ones({"a": 2}), x=nt.ones({"a": 3}))) == ["x"]  # into **extra: unchecked
    f(nt.ones({"a": 2}))  # y left to its default
    _raises(nt.AxisSizeError, lambda: f(nt.ones({"a": 2}), y=nt.ones({"a": 3})), "argument y")
    _raises(TypeError, lambda: f(x=nt.ones({"a": 2})), "missing 1 required positional")


def test_methods_and_the_signature_are_kept():
    class Layer:
        @nt.typed
        def __call__(self, x: nt.T["batch d"], *, flag: bool = False) -> nt.T["batch"]:
            """Sum over d."""
            return x.sum("d")

    layer = Layer()
    assert layer(nt.ones({"batch": 2, "d": 3}), flag=True).sizes == {"batch": 2}
    _raises(nt.AxisNameError, lambda: layer(nt.ones({"d": 3})), "Layer.__call__: argument x")
    assert Layer.__call__.__doc__ == "Sum over d."
    assert list(typing.get_type_hints(Layer.__call__)) == ["x", "flag", "return"]
    import inspect
    assert list(inspect.signature(attend).parameters) == ["q", "k"]
    assert attend.__name__ == "attend" and attend.__wrapped__ is not None


def test_dtypes_and_isinstance():
    @nt.typed
    def f(x: nt.T["a", "float32"], i: nt.T["a", "int"]) -> nt.T["a", "float"]:
        return x

    f(nt.ones({"a": 2}), nt.ones({"a": 2}, dtype="int8"))
    _raises(nt.NamedTensorError, lambda: f(nt.ones({"a": 2}, dtype="float16"),
                                           nt.ones({"a": 2}, dtype="int8")),
            "f: argument x has dtype float16", "float32")
    _raises(nt.NamedTensorError, lambda: f(nt.ones({"a": 2}), nt.ones({"a": 2})),
            "argument i has dtype float32")
    assert isinstance(nt.ones({"b": 2, "a": 1}), nt.T["a b"])
    assert isinstance(nt.ones({"b": 2, "a": 1, "c": 1}), nt.T["a ..."])
    assert not isinstance(nt.ones({"b": 2}), nt.T["a ..."])
    assert not isinstance(nt.ones({"a": 2}), nt.T["a", "int"])
    assert not isinstance(np.ones(2), nt.T[...])
    assert nt.T["b a"] is nt.T["b a"] and repr(nt.T["b a ..."]) == "T['b a ...']"


@pytest.mark.parametrize("key, error, words", [
    ("a a", nt.AxisNameError, "duplicate axis name"),
    ("seq seq' seq", nt.AxisNameError, "duplicate axis name"),
    ("a 1b", nt.AxisNameError, "invalid axis name '1b'"),
    ("a x-y", nt.AxisNameError, "invalid axis name 'x-y'"),
    ("... a ...", nt.AxisNameError, "'...' appears 2 times"),
    (None, TypeError, "nt.T[...]: expected the names as one string"),
    (("a", "b", "c"), TypeError, "nt.T[...]"),
    ((["a"],), TypeError, "nt.T[...]"),
    (("a", "flaot32"), nt.NamedTensorError, "unknown dtype"),
    (("a", object), TypeError, "dtype"),
])
def test_bad_annotations_are_refused_at_once(key, error, words):
    _raises(error, lambda: nt.T[key], words)


def test_bad_annotations_are_refused_at_decoration():
    def bare(x: nt.T):
        return x

    _raises(TypeError, lambda: nt.typed(bare), "nt.typed(", "bare", "parameter x", "nt.T itself")

    def union(x: nt.T["a"] | nt.T["b"]):
        return x

    _raises(TypeError, lambda: nt.typed(union), "parameter x", "Union")

    def unknown(x: "undefined_module.T['a']"):  # noqa: F821
        return x

    _raises(TypeError, lambda: nt.typed(unknown), "cannot evaluate the annotation")
    _raises(TypeError, lambda: nt.typed(None), "nt.typed", "callable")
    _raises(TypeError, lambda: nt.typed(nt.TensorSpec), "nt.typed", "class TensorSpec")
    _raises(TypeError, lambda: nt.typed(staticmethod(bare)), "below @staticmethod")
    _raises(TypeError, lambda: nt.typed(classmethod(bare)), "below @classmethod")

    async def coroutine(x: nt.T["a"]) -> nt.T["a"]:
        return x

    _raises(TypeError, lambda: nt.typed(coroutine), "coroutine", "annotate its arguments only")

    def generator(x: nt.T["a"]):  # arguments only: checked at the call
        yield x

    with pytest.raises(nt.AxisNameError, match="generator: argument x"):
        nt.typed(generator)(nt.ones({"b": 2}))

    def plain(x: int) -> str:
        return str(x)

    assert nt.typed(plain) is plain  # nothing to check


def test_string_annotations_are_evaluated():
    space = {"nt": nt}
    exec("from __future__ import annotations\n"
         "def f(x: nt.T['a']) -> nt.T['a']:\n    return x\n", space)
    f = nt.typed(space["f"])
    _raises(nt.AxisNameError, lambda: f(nt.ones({"b": 2})), "argument x lacks axis 'a'")


def test_a_repeated_call_is_answered_from_the_cache():
    from namedtensor import _typed

    @nt.typed
    def f(x: nt.T["a"], y: nt.T["a"]) -> nt.T["a"]:
        return x

    x = nt.ones({"a": 3})
    f(x, x)
    before = _typed._verdict.cache_info()
    for _ in range(5):
        f(x, x)
    after = _typed._verdict.cache_info()
    assert after.misses == before.misses  # nothing checked again


# --- transforms ---------------------------------------------------------------------------------
def test_under_jit_the_check_runs_once_per_trace():
    runs = []

    @nt.jit
    @nt.typed
    def f(x: nt.T["batch d"], w: nt.T["d"]) -> nt.T["batch"]:
        runs.append(1)
        return (x * w).sum("d")

    for _ in range(3):
        assert f(nt.ones({"batch": 2, "d": 3}), nt.ones({"d": 3})).tolist() == [3.0, 3.0]
    assert len(runs) == 1
    _raises(nt.AxisSizeError, lambda: f(nt.ones({"batch": 2, "d": 3}), nt.ones({"d": 4})),
            "f: argument w: axis 'd' has size 4 but argument x bound 'd' to 3")
    assert len(runs) == 1  # refused before the body ran


def test_under_grad_and_vmap():
    @nt.typed
    def loss(w: nt.T["d"], x: nt.T["d"]) -> nt.T[""]:
        return (w * x).sum()

    g = grad(loss)(nt.ones({"d": 3}), nt.tensor([1.0, 2.0, 3.0], "d"))
    assert g.names == ("d",) and g.tolist() == [1.0, 2.0, 3.0]
    _raises(nt.AxisSizeError, lambda: grad(loss)(nt.ones({"d": 3}), nt.ones({"d": 2})),
            "loss: argument x")

    @nt.typed
    def row(x: nt.T["d"]) -> nt.T[""]:  # inside vmap the mapped name is absent
        return x.sum()

    assert nt.vmap(row, over="batch")(nt.ones({"batch": 2, "d": 3})).tolist() == [3.0, 3.0]

    @nt.typed
    def whole(x: nt.T["batch d"]):
        return x.sum()

    _raises(nt.AxisNameError, lambda: nt.vmap(whole, over="batch")(nt.ones({"batch": 2, "d": 3})),
            "whole: argument x lacks axis 'batch'")


def test_check_ahead_of_time_reports_annotation_errors():
    if not hasattr(nt, "check"):
        pytest.skip("nt.check is not there yet")
    out = nt.check(attend, nt.TensorSpec({"batch": 2, "seq": 3, "d": 8}),
                   nt.TensorSpec({"batch": 2, "seq'": 5, "d": 8}))
    assert out.sizes == {"batch": 2, "seq": 3, "seq'": 5}
    q, k = nt.TensorSpec({"batch": 2, "seq": 3, "d": 8}), nt.TensorSpec({"batch": 2, "seq'": 5,
                                                                           "d": 16})
    _raises(nt.AxisSizeError, lambda: nt.check(attend, q, k),
            "attend: argument k: axis 'd' has size 16 but argument q bound 'd' to 8")


def test_symbolic_sizes_under_export():
    @nt.typed
    def f(x: nt.T["batch d"], y: nt.T["batch d"]) -> nt.T["batch d"]:
        return x + y

    exported = nt.export(f, nt.TensorSpec({"batch": None, "d": 3}),
                         nt.TensorSpec({"d": 3, "batch": None}))
    assert exported(nt.ones({"batch": 4, "d": 3}), nt.ones({"batch": 4, "d": 3})).sizes == \
        {"batch": 4, "d": 3}
    _raises(nt.AxisSizeError, lambda: nt.export(f, nt.TensorSpec({"batch": None, "d": 3}),
                                                nt.TensorSpec({"batch": None, "d": 4})),
            "argument y: axis 'd' has size 4")
