"""Looking at tensors: t._repr_html_(), treescope's hooks, t.plot (SPEC section 17)."""

import html
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import namedtensor as nt


def _cells(text):
    """The texts of the ``<td>`` cells of an HTML table, in order."""
    return [c.split("</td>")[0] for c in text.split("<td>")[1:]]


# --- HTML -------------------------------------------------------------------------------
def test_html_small_2d(backend):
    values = np.array([[1.5, -2.0, 3.25], [4.0, 5.0, 0.125]], np.float32)
    t = nt.tensor(values, "batch feat", backend=backend)
    out = t._repr_html_()
    assert "<b>NamedTensor</b> (batch=2, feat=3)" in out
    assert "dtype=float32" in out and f"backend={backend}" in out
    assert f"device={t.device}" in out
    assert '<span class="nt-name">batch</span>' in out
    assert "<th>size</th><td>2</td><td>3</td>" in out
    assert _cells(out)[-6:] == ["1.5", "-2.0", "3.25", "4.0", "5.0", "0.125"]
    assert "\u2026" not in out  # small: nothing elided


def test_html_primed_names_and_values_are_escaped():
    t = nt.tensor([[1, 2], [3, 4]], "seq seq'")
    out = t._repr_html_()
    assert "seq&#x27;" in out and "seq'" not in out
    assert html.unescape(out).count("seq'") >= 2  # in the header table and the corner
    # every piece of text goes through html.escape: no stray markup from names or values
    assert "<script" not in out


def test_html_1d_0d_and_empty(backend):
    one = nt.tensor([True, False, True], "flag", backend=backend)._repr_html_()
    assert '<th class="nt-name">flag</th><th>0</th><th>1</th><th>2</th>' in one
    assert _cells(one)[-3:] == ["True", "False", "True"]
    zero = nt.tensor(7, (), backend=backend)._repr_html_()
    assert "<b>NamedTensor</b> ()" in zero and '<div class="nt-value">7</div>' in zero
    empty = nt.zeros({"a": 0, "b": 3})
    out = (empty if backend == "jax" else nt.tensor(np.zeros((0, 3)), "a b",
                                                      backend=backend))._repr_html_()
    assert "(a=0, b=3)" in out and "<th>2</th>" in out


def test_html_abbreviates_large_tensors_on_the_device(monkeypatch):
    t = nt.tensor(np.arange(40 * 50, dtype=np.float32).reshape(40, 50), "a b")
    copied = []
    real = t._backend.to_numpy
    monkeypatch.setattr(t._backend, "to_numpy", lambda x: copied.append(x.size) or real(x))
    out = t._repr_html_()
    assert max(copied) <= 36  # only the 6 x 6 shown elements travel to the host
    assert "\u2026" in out and "\u22ee" in out
    assert "<th>0</th>" in out and "<th>49</th>" in out and "<th>25</th>" not in out
    assert "<td>1.999e+03</td>" in out and "<td>1.0e+03</td>" not in out  # as NumPy prints
    assert "44 of 50 along b not shown" in out and "34 of 40 along a not shown" in out


def test_html_thresholds_follow_numpy_print_options():
    t = nt.tensor(np.arange(20.0), "x", backend="numpy")
    assert "\u2026" not in t._repr_html_()
    with np.printoptions(threshold=10, edgeitems=2):
        out = t._repr_html_()
    assert _cells(out)[-5:] == ["0.0", "1.0", "\u2026", "18.0", "19.0"]


def test_html_leading_slices_of_higher_rank(backend):
    t = nt.tensor(np.arange(24).reshape(2, 3, 4), "a b c", backend=backend)
    out = html.unescape(t._repr_html_())
    assert "t[{'a': 0}]" in out and "t[{'a': 1}]" in out
    assert "<td>23</td>" in out
    many = nt.zeros({"a": 4, "b": 5, "c": 2, "d": 2})._repr_html_()
    assert html.unescape(many).count("<caption>") == 6
    assert "14 more slices over (a=4, b=5) not shown" in many


def test_html_value_formats():
    tiny = nt.tensor([1e-9, 1.0], "x")._repr_html_()
    assert _cells(tiny)[-2:] == ["1.0e-09", "1.0e+00"]  # one notation for all, as NumPy
    special = nt.tensor([np.nan, np.inf, -np.inf], "x")._repr_html_()
    assert _cells(special)[-3:] == ["nan", "inf", "-inf"]
    cplx = nt.tensor([1 + 2j, 3 - 0.5j], "x")._repr_html_()
    assert _cells(cplx)[-2:] == ["1.0+2.0j", "3.0-0.5j"]
    for dtype in ("bfloat16", "float8_e4m3fn", "int4", "uint8"):
        out = nt.tensor([1, 2], "x", dtype=dtype)._repr_html_()
        assert f"dtype={dtype}" in out and _cells(out)[-1] in ("2", "2.0")


def test_html_is_safe_on_tracers():
    t = nt.tensor([[1.0, 2.0], [3.0, 4.0]], "a b'")
    seen = []

    def f(x):
        seen.append(x._repr_html_())
        return x.sum()

    nt.jit(f)(t)
    jax.jit(lambda x: f(x))(t)  # (a new function: jit caches on f)
    jax.grad(lambda x: f(x).data)(t)
    assert len(seen) == 3
    for out in seen:
        assert "traced" in out and "(a=2, b&#x27;=2)" in out and "dtype=float32" in out
        assert "<td>1.0</td>" not in out


def test_html_of_a_stale_tensor_never_raises():
    t = nt.zeros({"a": 2, "b": 3})
    stale = jax.tree_util.tree_map(lambda a: a.sum(), t)  # data without its axes
    assert "NamedTensor(&lt;invalid: 2 name(s)" in stale._repr_html_()


def test_importing_namedtensor_imports_no_optional_display_library():
    code = ("import sys, namedtensor; "
            "assert 'treescope' not in sys.modules and 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))


# --- treescope --------------------------------------------------------------------------
def test_treescope_text_and_trees(backend):
    treescope = pytest.importorskip("treescope")
    t = nt.tensor(np.arange(6.0).reshape(2, 3), "seq' feat", backend=backend)
    text = treescope.render_to_text(t)
    assert text.startswith("<NamedTensor float") and "(seq'=2, feat=3)" in text
    tree = treescope.render_to_text({"w": t, "b": nt.zeros({"feat": 3})})
    assert "'w': <NamedTensor" in tree and "(feat=3)" in tree
    assert "NamedTensor" in treescope.render_to_html({"w": t}, compressed=False)


def test_treescope_render_array_labels_axes_by_name(backend):
    treescope = pytest.importorskip("treescope")
    t = nt.tensor(np.arange(6.0).reshape(2, 3), "row col", backend=backend)
    out = treescope.render_to_html(treescope.render_array(t), compressed=False)
    assert "row: 2" in out and "col: 3" in out
    out = treescope.render_to_html(treescope.render_array(t, rows=["col"], columns=["row"]),
                                   compressed=False)
    assert "row: 2" in out
    mask = nt.tensor([True, False, True], "col", backend=backend)
    treescope.render_array(t, valid_mask=mask)  # matched by name, broadcast over row
    with pytest.raises(nt.AxisNameError, match="valid_mask"):
        treescope.render_array(t, valid_mask=nt.tensor([True], "other"))
    with pytest.raises(TypeError, match="complex64"):
        treescope.render_array(nt.tensor([1j, 2.0], "x"))
    with pytest.raises(nt.AxisSizeError, match="empty"):
        treescope.render_array(nt.zeros({"a": 0, "b": 3}))


def test_treescope_autovisualizer_uses_names():
    treescope = pytest.importorskip("treescope")
    t = nt.tensor(np.arange(6.0).reshape(2, 3), "row col")
    with treescope.active_autovisualizer.set_scoped(treescope.ArrayAutovisualizer()):
        text = treescope.render_to_text({"w": t})
        page = treescope.render_to_html({"w": t}, compressed=False)
    assert "Arrayviz rendering" in text and "NamedTensor float32(row=2, col=3)" in text
    assert "row: 2" in page and "col: 3" in page


def test_treescope_is_safe_on_tracers():
    treescope = pytest.importorskip("treescope")
    seen = []

    @jax.jit
    def f(x):
        seen.append(treescope.render_to_text(x))
        return x

    f(nt.zeros({"a": 2}))
    assert seen == [seen[0]] and seen[0].startswith("<NamedTensor float32(a=2) traced>")


# --- plot -------------------------------------------------------------------------------
@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    yield pyplot
    pyplot.close("all")


def test_plot_line(plt, backend):
    values = np.array([0.5, 2.0, -1.0, 3.0], np.float32)
    ax = nt.tensor(values, "step", backend=backend).plot(color="red")
    assert ax.get_xlabel() == "step" and "float32" in ax.get_ylabel()
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(4))
    np.testing.assert_array_equal(line.get_ydata(), values)
    assert line.get_color() == "red"  # kwargs reach ax.plot


def test_plot_heatmap(plt, backend):
    values = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    t = nt.tensor(values, "row col'", backend=backend)
    fig, given = plt.subplots()
    ax = t.plot(given, cmap="magma")
    assert ax is given
    assert ax.get_ylabel() == "row" and ax.get_xlabel() == "col'"
    image = ax.images[0]
    np.testing.assert_array_equal(np.asarray(image.get_array()), values)  # rows: first name
    assert image.get_cmap().name == "magma" and len(fig.axes) == 2  # with a colorbar
    # names order is the layout: the same tensor stored the other way is drawn transposed
    ax2 = t.align_to("col'", "row").plot(plt.subplots()[1])
    np.testing.assert_array_equal(np.asarray(ax2.images[0].get_array()), values.T)
    assert ax2.get_ylabel() == "col'"


def test_plot_bool_and_low_precision(plt):
    ax = nt.tensor([True, False], "a").plot()
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1, 0])
    ax = nt.tensor(np.ones((2, 2)), "a b", dtype="bfloat16").plot(plt.subplots()[1])
    assert np.asarray(ax.images[0].get_array()).dtype == np.float32


@pytest.mark.parametrize("sizes", [{"a": 2, "b": 3, "c": 4}, {}])
def test_plot_other_ranks_say_to_select_or_reduce(plt, sizes):
    with pytest.raises(nt.AxisNameError, match="t.plot") as info:
        nt.zeros(sizes).plot()
    message = str(info.value)
    if sizes:
        assert "(a=2, b=3, c=4)" in message and "t[{'a': 0}]" in message
        assert "t.sum('a')" in message
    else:
        assert "0-d" in message
    assert plt.get_fignums() == []  # nothing drawn


def test_plot_errors(plt, monkeypatch):
    t = nt.zeros({"a": 2, "b": 3})
    with pytest.raises(TypeError, match="t.plot: ax must be a matplotlib Axes"):
        t.plot(ax="left")
    with pytest.raises(TypeError, match="complex64.*abs"):
        nt.tensor([1j, 2], "a").plot()
    with pytest.raises(nt.AxisSizeError, match="size 0"):
        nt.zeros({"a": 0, "b": 3}).plot()
    # matplotlib's refusals of the keywords come back named, not raw
    with pytest.raises(TypeError, match=r"t.plot: .*ax.plot refused .*\['colr'\].*\(a=3\)"):
        nt.zeros({"a": 3}).plot(colr="r")
    with pytest.raises(nt.NamedTensorError, match=r"t.plot: .*ax.imshow refused .*cmap"):
        t.plot(cmap="not_a_colormap")

    @nt.jit
    def f(x):
        x.plot()
        return x

    with pytest.raises(TypeError, match="t.plot: .*traced"):
        f(t)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.axes", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        t.plot()


def test_html_of_a_sharded_tensor():
    from _helpers import run_isolated
    run_isolated("""
import numpy as np, namedtensor as nt
m = nt.mesh({"data": 4})
t = nt.shard(nt.tensor(np.arange(400.0 * 8).reshape(400, 8), "batch feat"), m,
             {"batch": "data"})
out = t._repr_html_()
assert "<tr><th>split over</th><td>data</td><td></td></tr>" in out, out
assert "<th>399</th>" in out and "\\u22ee" in out and "<td>3.199e+03</td>" in out, out
assert "device=cpu:0,cpu:1,cpu:2,cpu:3" in out
print("ok")
""", devices=4)
