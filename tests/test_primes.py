"""Primed names (t.prime / t.unprime, primes in every name path) and ``...`` in einsum specs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts

VALUE = 12345.678  # must never reach a message


def _filled(sizes, backend="jax"):
    return nt.tensor(np.full(tuple(sizes.values()), VALUE, np.float32), tuple(sizes),
                     backend=backend)


# --- t.prime / t.unprime -----------------------------------------------------------------
def test_prime_and_unprime_rename_without_touching_data(backend):
    k = nt.tensor(np.arange(24.0).reshape(2, 3, 4), "batch seq d", backend=backend)
    p = k.prime("seq")
    assert p.names == ("batch", "seq'", "d") and p.backend == backend
    np.testing.assert_array_equal(p.numpy(), k.numpy())
    assert k.prime().names == ("batch'", "seq'", "d'")
    assert k.prime("seq", "d").prime("seq'").names == ("batch", "seq''", "d'")
    assert p.unprime("seq'").names == k.names
    assert k.prime().unprime().names == k.names
    s = nt.zeros({"seq": 2, "seq'": 2, "d''": 3})
    assert s.unprime("d''").names == ("seq", "seq'", "d'")
    assert s.prime().names == ("seq'", "seq''", "d'''")
    assert nt.zeros({"a": 2}).unprime().names == ("a",)  # nothing primed: unchanged
    assert nt.zeros({}).prime().names == ()


@settings(max_examples=25)
@given(data=st.data())
def test_prime_round_trips_any_tensor(data):
    t = data.draw(nts.named_tensors(min_rank=1))
    chosen = data.draw(st.lists(st.sampled_from(t.names), unique=True, min_size=1))
    p = t.prime(*chosen)
    assert p.names == tuple(n + "'" if n in chosen else n for n in t.names)
    assert_allclose(p.unprime(*(n + "'" for n in chosen)), t)
    assert_allclose(t.prime().unprime(), t)


def test_prime_errors():
    k = _filled({"batch": 2, "seq": 3, "seq'": 3})
    raises(nt.AxisNameError, lambda: k.prime("sq"), "prime", "'sq'", "did you mean 'seq'")
    raises(nt.AxisNameError, lambda: k.prime("seq"), "prime", "seq'", "twice")
    raises(nt.AxisNameError, lambda: k.prime("batch", "batch"), "prime", "repeat")
    raises(TypeError, lambda: k.prime(1), "prime", "int")
    raises(nt.AxisNameError, lambda: k.unprime("seq"), "unprime", "'seq'", "no prime mark")
    raises(nt.AxisNameError, lambda: k.unprime(), "unprime", "'seq'", "twice")
    raises(nt.AxisNameError, lambda: k.unprime("seq''"), "unprime", "seq''")
    raises(TypeError, lambda: k.unprime(["seq'"]), "unprime", "list")


# --- primes everywhere names are accepted ----------------------------------------------
def test_primed_names_work_in_every_name_path(backend):
    x = nt.tensor(np.arange(6.0).reshape(2, 3), "seq seq'", backend=backend)
    assert x.sum("seq'").tolist() == [3.0, 12.0]
    assert x[{"seq'": 0}].tolist() == [0.0, 3.0]
    assert x.align_to("seq'", ...).names == ("seq'", "seq")
    assert x.flatten(["seq'", "seq"], "n''").names == ("n''",)
    assert x.unflatten("seq'", {"h'": 3, "w'": 1}).names == ("seq", "h'", "w'")
    assert x.rename({"seq'": "key"}).names == ("seq", "key")
    assert nt.softmax(x, "seq'").names == x.names
    assert nt.zeros({"a'": 2}, backend=backend).sizes == {"a'": 2}
    assert nt.stack([x, x], "layer'").names == ("layer'", "seq", "seq'")
    out = nt.einsum("seq seq' -> seq'", x)
    assert out.names == ("seq'",) and out.tolist() == [3.0, 5.0, 7.0]
    assert nt.dot(x, nt.ones({"seq'": 3}, backend=backend), over="seq'").tolist() == [3.0, 12.0]


def test_attention_with_a_primed_key_axis(backend):
    rng = np.random.default_rng(0)
    q_np, k_np, v_np = (rng.normal(size=(2, 5, 4)).astype(np.float32) for _ in range(3))
    q, k, v = (nt.tensor(a, "batch seq d", backend=backend) for a in (q_np, k_np, v_np))
    k, v = k.prime("seq"), v.prime("seq")
    scores = nt.einsum("batch seq d, batch seq' d -> batch seq seq'", q, k)
    out = nt.einsum("batch seq seq', batch seq' d -> batch seq d", nt.softmax(scores, "seq'"), v)
    s = np.einsum("bqd,bkd->bqk", q_np, k_np)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    assert_allclose(out, nt.tensor(np.einsum("bqk,bkd->bqd", w, v_np), "batch seq d"),
                    rtol=1e-5, atol=1e-6)


def test_repeated_names_suggest_priming():
    x = _filled({"batch": 2, "seq": 3, "d": 4})
    raises(nt.SpecError, lambda: nt.einsum("batch seq seq -> batch", x), "nt.einsum",
           "repeats ['seq']", "no diagonals", "t.prime('seq')")
    raises(nt.SpecError, lambda: nt.einsum("batch seq d -> seq seq", x), "the output",
           "t.prime('seq')")
    raises(nt.AxisNameError, lambda: nt.tensor(np.zeros((2, 2)), "seq seq"), "nt.tensor",
           "duplicate", "t.prime('seq')")
    raises(nt.AxisNameError, lambda: x.rename({"d": "seq"}), "rename", "t.prime('seq')")
    raises(nt.AxisNameError, lambda: nt.stack([x, x], "seq"), "nt.stack", "t.prime('seq')")
    raises(nt.AxisNameError, lambda: x.flatten(["batch", "d"], "seq"), "flatten",
           "t.prime('seq')")
    raises(nt.SpecError, lambda: nt.einsum("batch seq' d -> batch", x), "nt.einsum",
           "lacks [\"seq'\"]", "t.prime('seq')")
    raises(nt.AxisNameError, lambda: nt.tensor(np.zeros(2), "seq'x"), "invalid",
           "prime marks")


# --- "..." in einsum specs --------------------------------------------------------------
def test_ellipsis_examples(backend):
    x = nt.tensor(np.arange(24.0).reshape(2, 3, 4), "batch seq d_model", backend=backend)
    w = nt.tensor(np.ones((4, 5)), "d_model d_ff", backend=backend)
    out = nt.einsum("... d_model, d_model d_ff -> ... d_ff", x, w)
    assert out.sizes == {"batch": 2, "seq": 3, "d_ff": 5}
    assert nt.einsum("...d_model,d_model d_ff->d_ff ...", x, w).names == ("d_ff", "batch", "seq")
    assert nt.einsum("d_model ..., d_model d_ff -> seq ... d_ff", x, w).names == \
        ("seq", "batch", "d_ff")  # a name "..." covers may be written in the output
    assert nt.einsum("... -> d_model", x).tolist() == x.sum(["batch", "seq"]).tolist()
    assert nt.einsum("... , ... -> batch", x, x).names == ("batch",)  # shared: contracted
    y = nt.tensor(np.ones((2, 5)), "batch e", backend=backend)
    # order of first appearance in the operands: batch (operand 0) before d_model and e
    assert nt.einsum("batch ..., ... -> ...", x, y).names == ("batch", "seq", "d_model", "e")
    # the short form has no operand entries: its "..." covers nothing
    assert nt.einsum("-> batch ... seq d_ff", x, w).names == ("batch", "seq", "d_ff")
    assert nt.einsum("batch seq d_model -> ...", x).names == ()  # "..." covers nothing
    assert "d_model" in str(nt.explain("... d_model, d_model d_ff -> ... d_ff", x, w))


def test_ellipsis_errors():
    x = _filled({"batch": 2, "seq": 3, "d": 4})
    w = _filled({"d": 4, "e": 5})
    raises(nt.SpecError, lambda: nt.einsum("... d, d e -> e", x, w), "nt.einsum",
           "'batch' is only in operand 0", "'...' covers it", "t.sum('batch')")
    raises(nt.SpecError, lambda: nt.einsum("... d ..., d e -> e", x, w), "'...' more than once")
    raises(nt.SpecError, lambda: nt.einsum("... f, d e -> ... e", x, w), "operand 0",
           "lacks ['f']")
    raises(nt.SpecError, lambda: nt.einsum("... d, d e -> ... f", x, w), "output name 'f'")
    raises(nt.SpecError, lambda: nt.einsum("... d, d e -> ... ... e", x, w), "more than once")
    raises(nt.SpecError, lambda: nt.einsum("...., d e -> e", x, w), "invalid axis name '.'")
    raises(nt.SpecError, lambda: nt.einsum("-> e", x, w), "'batch' is only in operand 0")


def _ellipsis_case(data):
    """Operands with random names (in random stored orders), a random entry per operand
    (some names hidden behind "...", placed anywhere) and a random output."""
    pool = data.draw(nts.sizes(min_rank=1, max_rank=5, max_size=3), label="sizes")
    names = list(pool)
    n_ops = data.draw(st.integers(1, 3), label="operands")
    ops, entries = [], []
    for _ in range(n_ops):
        have = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=4))
        values = data.draw(st.lists(st.floats(-2, 2, width=32), min_size=int(np.prod(
            [pool[n] for n in have])), max_size=int(np.prod([pool[n] for n in have]))))
        ops.append((np.array(values, np.float32).reshape([pool[n] for n in have]), have))
        written = data.draw(st.lists(st.sampled_from(have), unique=True)) if have else []
        if data.draw(st.booleans(), label="... in the entry") or set(written) != set(have):
            at = data.draw(st.integers(0, len(written)))
            written = written[:at] + ["..."] + written[at:]
        entries.append(written)
    present = list(dict.fromkeys(n for _, have in ops for n in have))
    out = data.draw(st.lists(st.sampled_from(present), unique=True)) if present else []
    if data.draw(st.booleans(), label="... in the output"):
        at = data.draw(st.integers(0, len(out)))
        out = out[:at] + ["..."] + out[at:]
    return ops, entries, out


def _expected_output(ops, entries, out):
    """SPEC section 7, written out: the output's "..." is every name some operand's "..."
    covers and the output does not write, in order of first appearance in the operands'
    stored orders, operand 0 first."""
    covered = set()
    for (_, have), entry in zip(ops, entries):
        if "..." in entry:
            covered |= {n for n in have if n not in entry}
    if "..." not in out:
        return out, covered
    first = []
    for _, have in ops:
        first += [n for n in have if n not in first]
    at = out.index("...")
    return out[:at] + [n for n in first if n in covered and n not in out] + out[at + 1:], \
        covered


@settings(max_examples=60)
@given(data=st.data())
def test_ellipsis_against_np_einsum(backend, data):
    ops, entries, out = _ellipsis_case(data)
    spec = ", ".join(" ".join(e) for e in entries) + " -> " + " ".join(out)
    tensors = [nt.tensor(a, have, backend=backend) for a, have in ops]
    full_out, covered = _expected_output(ops, entries, out)
    counts = {}
    for _, have in ops:
        for n in have:
            counts[n] = counts.get(n, 0) + 1
    lone_hidden = [n for n in covered if counts[n] == 1 and n not in full_out]
    if sum(1 for _, have in ops if have) >= 2 and lone_hidden:  # the implicit-forms rule
        raises(nt.SpecError, lambda: nt.einsum(spec, *tensors), "only in operand",
               "'...' covers it")
        return
    letter = {n: chr(ord("a") + i) for i, n in enumerate(dict.fromkeys(
        n for _, have in ops for n in have))}
    subscripts = ",".join("".join(letter[n] for n in have) for _, have in ops) + "->" + \
        "".join(letter[n] for n in full_out)
    expected = np.einsum(subscripts, *(a.astype(np.float64) for a, _ in ops))
    result = nt.einsum(spec, *tensors)
    assert result.names == tuple(full_out), (spec, result.names, full_out)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-4, atol=1e-4)
