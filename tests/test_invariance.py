"""namedtensor.testing.check_invariance: correct functions pass, order- and
name-dependent ones are caught with the smallest permutation or renaming."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from namedtensor.testing import check_invariance
from namedtensor.testing import strategies as nts

EXAMPLES = 8  # per call: the file stays a few seconds on two cores


def _t(sizes, seed=0, backend="numpy"):  # numpy: no compilation per new layout
    rng = np.random.default_rng(seed)
    data = rng.uniform(-10, 10, tuple(sizes.values())).astype(np.float32)
    return nt.tensor(data, tuple(sizes), backend=backend)


X = _t({"batch": 2, "seq": 3, "feat": 4})
W = _t({"feat": 4, "hidden": 5}, seed=1)


def _caught(f, *tensors, **kwargs):
    """The message of the AssertionError ``check_invariance`` raises for ``f``."""
    with pytest.raises(AssertionError) as info:
        check_invariance(f, *tensors, examples=EXAMPLES, **kwargs)
    return str(info.value)


# --- correct functions pass -----------------------------------------------------------
def _layer_norm(x, over):
    centred = x - x.mean(over)
    return centred * nt.rsqrt(x.var(over) + 1e-5)


@pytest.mark.parametrize("f, inputs", [
    (lambda x: x.sum("seq"), (X,)),
    (lambda x: nt.softmax(x, "feat"), (X,)),
    (lambda x: _layer_norm(x, "feat"), (X,)),
    (lambda x, w: nt.dot(x, w, over="feat"), (X, W)),
    (lambda x, w: nt.einsum("batch seq feat, feat hidden -> batch hidden", x, w), (X, W)),
    (lambda x, w: x * w + 1.0, (X, W)),  # elementwise, broadcast by name
    (lambda x: x.prime(*x.names), (X,)),  # primed names follow the renaming
    (lambda x: float(x.sum()), (X,)),  # a Python scalar
    (lambda x: jnp.sum(x.sum().data), (X,)),  # a 0-d array
    (lambda x: {"total": x.sum(), "parts": [x.max("batch"), x.min()]}, (X,)),  # a pytree
], ids=["sum", "softmax", "layer_norm", "dot", "einsum", "broadcast", "prime", "float",
        "0-d array", "pytree"])
def test_correct_functions_pass(f, inputs):
    expected = f(*inputs)
    assert check_invariance(f, *inputs, examples=EXAMPLES) is None
    assert jax.tree_util.tree_structure(f(*inputs)) == jax.tree_util.tree_structure(expected)


def test_pytree_inputs_and_keyword_tensors_are_permuted_too(backend):
    x, w = _t(X.sizes, backend=backend), _t(W.sizes, seed=1, backend=backend)
    seen = set()

    def f(pair, *, mask, scale):
        seen.add((pair["x"].names, mask.names))
        return nt.dot(pair["x"], pair["w"], over="feat") * mask * scale

    mask = _t({"batch": 2, "hidden": 5}, seed=2, backend=backend)
    check_invariance(f, {"x": x, "w": w}, mask=mask, scale=2.0, examples=EXAMPLES)
    assert len({names for names, _ in seen}) > 1  # x was stored in several orders
    assert len({names for _, names in seen}) > 1  # and so was the keyword tensor


def test_a_literal_name_skips_that_renaming_but_not_the_permutations():
    calls = []

    def f(x):
        calls.append(x.names)
        return x.sum("seq")  # "seq" is addressed literally

    check_invariance(f, X, examples=EXAMPLES)
    assert any("seq" not in names for names in calls)  # renamings of seq were tried


# --- order-dependent functions are caught --------------------------------------------
def test_data_used_positionally_is_caught():
    message = _caught(lambda x: nt.tensor(x.data.sum(0), x.names[1:]), X)
    assert message.startswith("check_invariance: f's result depends on the order")
    assert "stored as" in message and "names differ" in message


def test_cumsum_on_the_first_stored_axis_is_caught():
    message = _caught(lambda x: nt.tensor(jnp.cumsum(x.data, axis=0), x.names), X)
    assert "stored as" in message
    assert "Mismatched elements" in message  # the difference summary...
    assert "ACTUAL" not in message and "DESIRED" not in message  # ...without the values


def test_names_built_from_the_storage_order_are_caught():
    message = _caught(lambda x: x.rename(dict(zip(x.names, "pqr", strict=True))), X)
    assert "stored as" in message


def test_names_that_exist_only_primed_are_renamed_too():
    x = nt.tensor(np.ones(3, np.float32), "a'", backend="numpy")
    check_invariance(lambda t: t * 2, x, examples=10)  # renaming a -> b gives b' everywhere
    with pytest.raises(AssertionError, match="renaming"):
        check_invariance(lambda t: nt.tensor(t.data, ("a'",), backend="numpy"), x, examples=30)


def test_the_smallest_permutation_is_reported():
    # Only the second input's order matters: the first one shrinks back to its own order.
    f = lambda x, w: x.sum() + nt.tensor(w.data.sum(0), w.names[1:])  # noqa: E731
    message = _caught(f, X, _t({"feat": 4, "hidden": 5}, seed=3))
    assert re.search(r"^  tensors\[1\] \(feat=4, hidden=5\) stored as \(hidden, feat\)$",
                     message, flags=re.M)
    assert "tensors[0]" not in message


def test_an_error_on_another_order_is_caught():
    def f(x):
        if x.names != ("batch", "seq", "feat"):
            raise ValueError("expects batch seq feat")
        return x

    message = _caught(f, X)
    assert "f raised ValueError" in message and "stored as" in message


def test_a_result_whose_structure_depends_on_the_order_is_caught():
    message = _caught(lambda x: [x.sum()] * (1 + (x.names == ("batch", "seq", "feat"))), X)
    assert "structure changed" in message


def test_order_dependence_behind_a_literal_name_is_still_caught():
    message = _caught(lambda x: nt.tensor(x.sum("seq").data.sum(0), ("z",)), X)
    assert "stored as" in message


# --- name-dependent functions are caught ---------------------------------------------
def test_choosing_an_axis_by_its_name_is_caught():
    message = _caught(lambda x: x.sum(sorted(x.names)[0]), X)
    assert message.startswith("check_invariance: renaming axes of the inputs did not")
    assert re.search(r"renaming \{'\w+': '\w+'\}", message)  # one axis, shrunk


def test_renamings_through_the_literal_name_are_skipped_others_are_caught():
    def f(x):
        rest = x.sum("batch")  # literal: renamings of "batch" are skipped
        return rest.rename({sorted(rest.names)[0]: "z"})

    message = _caught(f, X)
    renaming = re.search(r"renaming (\{.*\})", message).group(1)
    assert "renaming axes" in message and "'batch'" not in renaming


def test_an_error_other_than_a_name_error_after_renaming_is_caught():
    message = _caught(lambda x: x.sum() * x.sizes["seq"], X)  # a KeyError, not a name error
    assert "f raised KeyError once axes of the inputs were renamed" in message


# --- inside a user's @given ------------------------------------------------------------
def test_inside_given_with_data():
    @settings(max_examples=10)
    @given(st.data())
    def test_softmax(data):
        x = data.draw(nts.named_tensors(min_rank=1, backend=("jax", "numpy")))
        over = data.draw(st.sampled_from(x.names))
        check_invariance(lambda t: nt.softmax(t, over), x, data=data)

    test_softmax()  # no health check about nested @given either


def test_inside_given_a_failure_shrinks_to_the_smallest_permutation():
    @settings(max_examples=10, database=None)
    @given(st.data())
    def test_first_axis(data):
        x = data.draw(nts.named_tensors({"a": 2, "b": 3, "c": 2}, backend="numpy"))
        check_invariance(lambda t: nt.tensor(t.data.sum(0), t.names[1:]), x, data=data)

    with pytest.raises(AssertionError) as info:
        test_first_axis()
    message = info.value.args[0]
    assert message.count("stored as") == 1
    # a smallest failing order: one swap, of the first stored axis
    assert re.search(r"tensors\[0\] \(a=2, b=3, c=2\) stored as \((b, a, c|c, b, a)\)$",
                     message, flags=re.M)


def test_a_plain_call_inside_given_asks_for_data():
    @settings(max_examples=1, database=None)
    @given(st.just(X))
    def test_plain(x):
        check_invariance(lambda t: t, x)

    with pytest.raises(TypeError, match="check_invariance: called inside a @given test "
                                        "without data="):
        test_plain()


# --- arguments ----------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, match", [
    (dict(examples=0), nt.NamedTensorError, "examples must be >= 1"),
    (dict(examples=1.5), TypeError, "examples must be an int"),
    (dict(examples=True), TypeError, "examples must be an int"),
    (dict(data="draw"), TypeError, "data must be the st.data"),
    (dict(rtol=-1.0), nt.NamedTensorError, "rtol must be a finite number"),
    (dict(atol="0"), TypeError, "atol must be a real number"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=f"check_invariance: {match}"):
        check_invariance(lambda t: t, X, **kwargs)


def test_bad_function_and_inputs():
    with pytest.raises(TypeError, match="check_invariance: f must be callable"):
        check_invariance("sum", X)
    with pytest.raises(TypeError, match=r"check_invariance: tensors\[1\]\['w'\] is a "
                                        r"positional ndarray"):
        check_invariance(lambda x, d: x, X, {"w": np.ones((2, 3))})

    @jax.jit
    def traced(x):
        check_invariance(lambda t: t, x)
        return x

    with pytest.raises(TypeError, match=r"check_invariance: tensors\[0\] is traced"):
        traced(X)


def test_the_original_calls_own_error_is_not_wrapped():
    with pytest.raises(nt.AxisNameError):
        check_invariance(lambda x: x.sum("nope"), X)
