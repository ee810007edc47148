"""Reshaping and indexing by name against a NumPy oracle."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import _oracle as oracle
import namedtensor as nt
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts


@given(data=st.data())
def test_rename(backend, data):
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    old = data.draw(st.sampled_from(t.names))
    new = data.draw(nts.axis_names().filter(lambda n: n not in t.names))
    out = t.rename({old: new})
    assert out.names == tuple(new if n == old else n for n in t.names)
    np.testing.assert_array_equal(out.numpy(), t.numpy())
    assert t.rename(**{old: new}).names == out.names


@given(data=st.data())
def test_align_to_with_and_without_ellipsis(backend, data):
    t = data.draw(nts.named_tensors(backend=backend))
    order = data.draw(st.permutations(t.names))
    out = t.align_to(*order)
    assert out.names == tuple(order)
    np.testing.assert_array_equal(out.numpy(), oracle.align(t.numpy(), t.names, order))
    k = data.draw(st.integers(0, len(order)))
    head = order[:k]
    partial = t.align_to(*head, ...)
    assert partial.names == tuple(head) + tuple(n for n in t.names if n not in head)
    assert_allclose(partial, t)


@given(data=st.data())
def test_align_broadcasts_to_the_union(backend, data):
    tensors = data.draw(nts.broadcastable(3, backend=backend))
    aligned = nt.align(*tensors)
    names = oracle.union(*[t.names for t in tensors])
    for t, a in zip(tensors, aligned):
        assert list(a.names) == names
        expected = np.broadcast_to(oracle.align(t.numpy(), t.names, names), a.shape)
        np.testing.assert_array_equal(a.numpy(), expected)


@given(data=st.data())
def test_flatten_then_unflatten_round_trips(backend, data):
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    merged = data.draw(st.lists(st.sampled_from(t.names), min_size=1, unique=True))
    into = data.draw(st.sampled_from(merged) | nts.axis_names().filter(lambda n: n not in t.names))
    flat = t.flatten(merged, into)
    first = min(t.names.index(n) for n in merged)
    rest = [n for n in t.names if n not in merged]
    expected_names = [n for n in t.names[:first] if n in rest] + [into] + \
        [n for n in t.names[first:] if n in rest]
    assert list(flat.names) == expected_names
    # oracle: move merged axes (in the given order) together, then reshape row-major
    order = expected_names[:expected_names.index(into)] + merged + \
        expected_names[expected_names.index(into) + 1:]
    values = oracle.align(t.numpy(), t.names, order)
    np.testing.assert_array_equal(flat.numpy(), values.reshape(flat.shape))
    back = flat.unflatten(into, {n: t.sizes[n] for n in merged})
    assert_allclose(back, t)


def test_unflatten_infers_minus_one(backend):
    t = nt.arange("pixel", 12, backend=backend)
    out = t.unflatten("pixel", {"h": 3, "w": -1})
    assert out.sizes == {"h": 3, "w": 4}
    np.testing.assert_array_equal(out.numpy(), np.arange(12).reshape(3, 4))
    assert t.unflatten("pixel", {"pixel": 2, "k": 6}).names == ("pixel", "k")


@given(data=st.data())
def test_expand_and_squeeze(backend, data):
    t = data.draw(nts.named_tensors(backend=backend))
    new = data.draw(nts.sizes(max_rank=2)).items()
    new = {n: s for n, s in new if n not in t.names}
    out = t.expand(new)
    assert out.names == t.names + tuple(new)
    expected = np.broadcast_to(oracle.align(t.numpy(), t.names, out.names), out.shape)
    np.testing.assert_array_equal(out.numpy(), expected)
    one = t.expand({"single_": 1})
    assert_allclose(one.squeeze("single_"), t)


@given(data=st.data())
def test_stack_and_split_and_concat(backend, data):
    a = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    b = data.draw(nts.permuted(data.draw(nts.named_tensors(a.sizes, backend=backend))))
    new = data.draw(nts.axis_names().filter(lambda n: n not in a.names))
    s = nt.stack([a, b], new)
    assert s.names == (new,) + a.names
    np.testing.assert_array_equal(s.numpy(), np.stack([a.numpy(), b.align_to(*a.names).numpy()]))
    along = data.draw(st.sampled_from(a.names))
    c = nt.concat([a, b], along)
    assert c.names == a.names
    axis = a.names.index(along)
    np.testing.assert_array_equal(
        c.numpy(), np.concatenate([a.numpy(), b.align_to(*a.names).numpy()], axis=axis))
    first, second = c.split(along, [a.sizes[along], b.sizes[along]])
    assert_allclose(first, a)
    assert_allclose(second, b)


@given(data=st.data())
def test_int_and_slice_indexing(backend, data):
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    keys = data.draw(st.lists(st.sampled_from(t.names), min_size=1, unique=True))
    index, np_index, dropped = {}, [slice(None)] * t.ndim, []
    for n in keys:
        size = t.sizes[n]
        if data.draw(st.booleans()):
            i = data.draw(st.integers(-size, size - 1))
            index[n] = i
            dropped.append(n)
        else:
            i = slice(data.draw(st.none() | st.integers(-size, size)),
                      data.draw(st.none() | st.integers(-size, size)),
                      data.draw(st.none() | st.integers(1, 3)))
            index[n] = i
        np_index[t.names.index(n)] = i
    out = t[index]
    assert out.names == tuple(n for n in t.names if n not in dropped)
    np.testing.assert_array_equal(out.numpy(), t.numpy()[tuple(np_index)])


@given(data=st.data())
def test_gather_with_named_indices(backend, data):
    """t[{name: ids}]: ids' names replace ``name``; names shared with t are batched."""
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    name = data.draw(st.sampled_from(t.names))
    others = [n for n in t.names if n != name]
    shared = data.draw(st.lists(st.sampled_from(others), unique=True)) if others else []
    fresh = data.draw(nts.sizes(max_rank=2))
    fresh = {n: s for n, s in fresh.items() if n not in t.names}
    id_sizes = {**{n: t.sizes[n] for n in shared}, **fresh}
    id_sizes = dict(data.draw(st.permutations(list(id_sizes.items()))))
    size = t.sizes[name]
    ids = data.draw(nts.named_tensors(id_sizes, dtype="int32", backend=backend,
                                      elements=st.integers(-size, size - 1)))
    out = t[{name: ids}]
    axis = t.names.index(name)
    new = [n for n in ids.names if n not in shared]
    expected_names = list(t.names[:axis]) + new + list(t.names[axis + 1:])
    assert list(out.names) == expected_names
    # oracle: an explicit loop over every output position
    tv, iv = t.numpy(), ids.numpy()
    expected = np.zeros(out.shape, tv.dtype)
    for pos in np.ndindex(*out.shape):
        at = dict(zip(expected_names, pos))
        k = iv[tuple(at[n] for n in ids.names)]
        src = tuple(k if n == name else at[n] for n in t.names)
        expected[pos] = tv[src]
    np.testing.assert_array_equal(out.numpy(), expected)


def test_embedding_lookup_reads_naturally(backend):
    table = nt.tensor(np.arange(12.0).reshape(4, 3), "vocab embed", backend=backend)
    ids = nt.tensor([[0, 3], [2, 2]], "batch seq", backend=backend)
    out = table[{"vocab": ids}]
    assert out.names == ("batch", "seq", "embed")
    np.testing.assert_array_equal(out.numpy(), np.arange(12.0).reshape(4, 3)[[[0, 3], [2, 2]]])


def test_zero_d_index_tensor_drops_the_axis(backend):
    t = nt.tensor([[1, 2], [3, 4]], "a b", backend=backend)
    out = t[{"a": nt.tensor(1, (), backend=backend)}]
    assert out.names == ("b",) and out.tolist() == [3, 4]


def test_rename_accepts_axes_named_like_its_parameters(backend):
    t = nt.zeros({"t": 1, "mapping": 2, "self": 3}, backend=backend)
    assert t.rename(t="a", mapping="b", self="c").names == ("a", "b", "c")


@given(data=st.data())
def test_unstack_matches_indexing(backend, data):
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1, min_size=0))
    name = data.draw(st.sampled_from(t.names))
    parts = nt.unstack(t, name)
    assert len(parts) == t.sizes[name]
    axis = t.names.index(name)
    for k, part in enumerate(parts):
        assert part.names == tuple(n for n in t.names if n != name)
        np.testing.assert_array_equal(part.numpy(), np.take(t.numpy(), k, axis=axis))
    assert len(t.unstack(name)) == len(parts)
