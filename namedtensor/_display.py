"""Looking at tensors: ``t._repr_html_()`` for notebooks, treescope's hooks, ``t.plot``.

Everything here reads a tensor and never changes it. The HTML and the treescope
rendering never raise on a tensor that has no values to show (traced inside ``jit``,
deleted by donation, held by other processes, or stale after a plain ``jax.vmap``):
they show the header and say why the values are missing. Large tensors are sliced on
their device first, so only the elements shown travel to the host.

treescope and matplotlib are optional and imported only when used: importing
namedtensor imports neither. treescope finds NamedTensors through the two methods it
looks up on any value (``__treescope_repr__`` and ``__treescope_ndarray_adapter__``),
so nothing is registered ahead of time.
"""

import functools
import html
import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np

from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import fmt_sizes
from ._tensor import NamedTensor, _Stale

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# why a tensor has no values to show (None: it has them)
Missing: TypeAlias = Literal["stale", "traced", "deleted", "remote"] | None
Host: TypeAlias = np.ndarray[Any, Any]

__all__ = ["html_repr", "treescope_repr", "treescope_adapter", "plot"]

_MAX_SLICES = 6  # 2-d tables shown for a tensor of 3 or more axes
_MAX_DEVICES = 4  # devices listed by name in the header before "... (n devices)"
_STATS_SIZE = 100_000  # treescope's summary computes statistics up to this many elements


# --- what can be shown --------------------------------------------------------------
def _missing(t: NamedTensor) -> Missing:
    """Why ``t`` has no values to show (``None`` if it has them): its data is stale,
    traced, deleted, or partly held by other processes."""
    data = t._data
    if type(data) is _Stale:
        return "stale"
    if not t._backend.is_concrete(data):
        return "traced"
    if getattr(data, "is_deleted", lambda: False)():
        return "deleted"
    if not getattr(data, "is_fully_addressable", True):
        return "remote"
    return None


_MISSING_TEXT = {
    "traced": "traced: this tensor has no values yet (inside nt.jit, jit, grad, vmap or "
              "scan); return it from the function to see them",
    "deleted": "deleted: its buffer was donated or deleted",
    "remote": "not shown: its values are held by other processes",
}


def _edges(size: int, edge: int | None) -> tuple[Host, bool]:
    """Indices kept along an axis of ``size`` (``edge`` first and last, or all) and
    whether the middle is elided."""
    if edge is None or size <= 2 * edge:
        return np.arange(size), False
    return np.concatenate([np.arange(edge), np.arange(size - edge, size)]), True


def _window(t: NamedTensor) -> int | None:
    """How much to show: ``edge`` items per end of each axis (``None``: all), from NumPy's
    print options (``threshold``: above that many elements the middles are elided)."""
    options = np.get_printoptions()
    return int(options["edgeitems"]) if t.size > options["threshold"] else None


def _gather(data: Any, lead: tuple[int, ...], rows: Host, cols: Host | None) -> Any:
    """``data[lead][rows][:, cols]``: with a device array, a gather of the shown elements
    on the device, so that only they travel to the host."""
    index = lead + (np.ix_(rows, cols) if cols is not None else (rows,))
    return data[index]


# --- formatting values --------------------------------------------------------------
def _host_kind(dtype: np.dtype[Any]) -> str:
    """``"b" "i" "f" "c"``: how values of ``dtype`` print (bfloat16 and float8 as floats,
    int4 as integers)."""
    if dtype.kind in "biufc":
        return "i" if dtype.kind == "u" else dtype.kind
    return "i" if "int" in dtype.name else "f"


def _formatter(values: Host, dtype: np.dtype[Any]) -> Callable[[Any], str]:
    """A function from one host value to its text, chosen for all the values shown at once
    (scientific notation for all of them when their range asks for it, as NumPy does)."""
    kind = _host_kind(dtype)
    if kind == "b":
        return lambda v: str(bool(v))
    if kind == "i":
        return lambda v: str(int(v))
    parts = [values] if kind == "f" else [values.real, values.imag]
    finite = np.concatenate([np.abs(p[np.isfinite(p)]).ravel() for p in parts]).astype(
        np.float64)
    finite = finite[finite != 0]
    big, small = (finite.max(), finite.min()) if finite.size else (0.0, 0.0)
    scientific = finite.size and (big >= 1e8 or small < 1e-4 or big / small > 1e3)

    def real(v: np.float64) -> str:
        if scientific:
            return np.format_float_scientific(v, precision=4, unique=True, trim="0")
        return np.format_float_positional(v, precision=4, unique=True, trim="0")

    if kind == "f":
        return lambda v: real(np.float64(v))
    return lambda v: (f"{real(np.float64(v.real))}"
                      f"{'-' if np.signbit(v.imag) else '+'}{real(abs(np.float64(v.imag)))}j")


def _host(values: Host, dtype: np.dtype[Any]) -> Host:
    """Host values NumPy can format: bfloat16/float8 as float32, int4 as int8."""
    if dtype.kind in "biufc":
        return values
    return values.astype(np.int8 if _host_kind(dtype) == "i" else np.float32)


# --- HTML -----------------------------------------------------------------------------
_STYLE = ("<style>.nt-html table{border-collapse:collapse;font-family:monospace;"
          "margin:0.3em 0}.nt-html td,.nt-html th{border:1px solid #ccc;padding:1px 6px;"
          "text-align:right}.nt-html th{background:#f3f3f3;font-weight:normal;color:#555}"
          ".nt-html .nt-name{font-weight:bold;color:#0a4d8c}.nt-html caption{text-align:left;"
          "font-family:monospace;color:#555}</style>")


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _devices_text(device: str) -> str:
    devices = device.split(",")
    if len(devices) <= _MAX_DEVICES:
        return device
    return f"{devices[0]} ... {devices[-1]} ({len(devices)} devices)"


def _sharding(t: NamedTensor) -> dict[str, Any] | str:
    """``{name: mesh axes}`` of a sharded tensor, or a one-line reason it has none to show."""
    try:
        rules: dict[str, Any] = t.sharding_rules
    except NamedTensorError:  # laid out without mesh axis names
        return f"laid out by a {type(t._data.sharding).__name__}"
    return rules


def _header(t: NamedTensor, missing: Missing) -> str:
    """The tensor's names and sizes (a table) with its dtype, device and backend."""
    names, shape = t._names, t._data.shape
    rules = {} if missing else _sharding(t)
    device = "traced" if missing == "traced" else _devices_text(t.device)
    facts = [f"dtype={_esc(t.dtype)}", f"device={_esc(device)}", f"backend={_esc(t.backend)}"]
    if isinstance(rules, str):
        facts.append(f"sharding: {_esc(rules)}")
    head = f"<div><b>NamedTensor</b> {_esc(fmt_sizes(names, shape))} {', '.join(facts)}</div>"
    if not names:
        return head
    rows = [("axis", [f'<span class="nt-name">{_esc(n)}</span>' for n in names]),
            ("size", [_esc(s) for s in shape])]
    if isinstance(rules, dict) and rules:
        rows.append(("split over", [_esc(_mesh_text(rules.get(n, ""))) for n in names]))
    body = "".join(f"<tr><th>{label}</th>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
                   for label, cells in rows)
    return f'{head}<table class="nt-axes">{body}</table>'


def _mesh_text(entry: str | tuple[str, ...]) -> str:
    return " x ".join(entry) if isinstance(entry, tuple) else entry


def _cells(values: Host, fmt: Callable[[Any], str], elided: bool) -> str:
    """``<td>`` cells of one row, with one ``...`` cell where the middle is elided."""
    texts = [f"<td>{_esc(fmt(v))}</td>" for v in values]
    if elided:
        half = len(texts) // 2
        texts.insert(half, "<td>\u2026</td>")
    return "".join(texts)


def _index_cells(index: Host, elided: bool) -> str:
    cells = [f"<th>{i}</th>" for i in index]
    if elided:
        cells.insert(len(cells) // 2, "<th>\u2026</th>")
    return "".join(cells)


def _table(values: Host, names: Sequence[str], kept: Sequence[Host], elided: Sequence[bool],
           fmt: Callable[[Any], str], caption: str = "") -> str:
    """One table: a 1-d tensor as one row, a 2-d one as rows x columns (names in the corner,
    indices as headers)."""
    cap = f"<caption>{caption}</caption>" if caption else ""
    if len(names) == 1:
        head = f'<tr><th class="nt-name">{_esc(names[0])}</th>' \
               f"{_index_cells(kept[0], elided[0])}</tr>"
        return f"<table>{cap}{head}<tr><th></th>{_cells(values, fmt, elided[0])}</tr></table>"
    corner = f'<span class="nt-name">{_esc(names[0])}</span> \\ ' \
             f'<span class="nt-name">{_esc(names[1])}</span>'
    rows = [f"<tr><th>{corner}</th>{_index_cells(kept[1], elided[1])}</tr>"]
    for i, row in zip(kept[0], values, strict=True):
        rows.append(f"<tr><th>{i}</th>{_cells(row, fmt, elided[1])}</tr>")
    if elided[0]:
        width = len(kept[1]) + int(elided[1])
        rows.insert(1 + len(kept[0]) // 2,
                    "<tr><th>\u22ee</th>" + "<td>\u22ee</td>" * width + "</tr>")
    return f"<table>{cap}{''.join(rows)}</table>"


def _values_html(t: NamedTensor) -> str:
    """The values: a table for 1-d and 2-d, the leading 2-d slices for more axes."""
    names, shape, data, dtype = t._names, t._data.shape, t._data, t.dtype
    edge = _window(t)
    if not names:
        value = _host(np.asarray(t._backend.to_numpy(data)), dtype)
        text = _formatter(value.reshape(1), dtype)(value[()])
        return f'<div class="nt-value">{_esc(text)}</div>'
    plane = names[-2:]
    kept = [_edges(s, edge)[0] for s in shape[-2:]]
    elided = [_edges(s, edge)[1] for s in shape[-2:]]
    slices = math.prod(shape[:-2])  # the leading 2-d slices, in C order: the first few
    shown = list(itertools.islice(itertools.product(*map(range, shape[:-2])), _MAX_SLICES))
    rows, cols = kept[0], (kept[1] if len(kept) == 2 else None)
    if edge is None:  # everything is shown: one copy to the host, sliced there
        data = t._backend.to_numpy(data)
    host = [_host(t._backend.to_numpy(_gather(data, lead, rows, cols)), dtype)
            for lead in shown]
    fmt = _formatter(np.concatenate([h.ravel() for h in host]) if host else
                     np.zeros(0, np.float32), dtype)
    notes = [f"{slices - len(shown)} more slices over "
             f"{_esc(fmt_sizes(names[:-2], shape[:-2]))} not shown"] \
        if len(shown) < slices else []
    notes += [f"\u2026 {size - len(k)} of {size} along {_esc(n)} not shown"
              for n, size, k, cut in zip(plane, shape[-2:], kept, elided, strict=True) if cut]
    tables = []
    for lead, values in zip(shown, host, strict=True):
        where = ", ".join(f"{n!r}: {i}" for n, i in zip(names[:-2], lead, strict=True))
        caption = _esc(f"t[{{{where}}}]") if where else ""
        tables.append(_table(values, plane, kept, elided, fmt, caption))
    note = f"<div>{'; '.join(notes)}</div>" if notes else ""
    return "".join(tables) + note


def html_repr(t: NamedTensor) -> str:
    """``t._repr_html_()``: the header (names, sizes, dtype, device, backend, sharding) and
    the values as tables, abbreviated like NumPy's print options; never raises on a tensor
    without values."""
    missing = _missing(t)
    if missing == "stale":
        return f'<div class="nt-html"><pre>{_esc(repr(t))}</pre></div>'
    head = _header(t, missing)
    body = f"<div><i>{_esc(_MISSING_TEXT[missing])}</i></div>" if missing else _values_html(t)
    return f'<div class="nt-html">{_STYLE}{head}{body}</div>'


# --- treescope ------------------------------------------------------------------------
def _summary(t: NamedTensor) -> str:
    return f"NamedTensor {t.dtype}{fmt_sizes(t._names, t._data.shape)}"


def _stats(t: NamedTensor) -> str:
    """`` ≈mean ±std [≥min, ≤max]`` of a small real tensor (``""`` otherwise)."""
    kind = _host_kind(t.dtype)
    if _missing(t) or t.size == 0 or t.size > _STATS_SIZE or kind == "c":
        return ""
    values = _host(t._backend.to_numpy(t._data), t.dtype).astype(np.float64)
    finite = values[np.isfinite(values)]
    text = ""
    if finite.size:
        text = (f" \u2248{finite.mean():.3g} \u00b1{finite.std():.3g} "
                f"[\u2265{finite.min():.3g}, \u2264{finite.max():.3g}]")
    bad = values.size - finite.size
    return text + (f" nonfinite:{bad}" if bad else "")


def treescope_repr(t: NamedTensor, path: str | None, subtree_renderer: Any) -> Any:
    """``t.__treescope_repr__``: a foldable node labelled with the names and sizes that
    unfolds to ``repr(t)``."""
    del subtree_renderer
    from treescope import rendering_parts as rp
    missing = _missing(t)
    if missing == "stale":
        return rp.error_color(rp.text(repr(t)))
    if missing:
        return rp.abbreviation_color(rp.text(f"<{_summary(t)} {missing}>"))
    label = rp.abbreviation_color(rp.comment_color_when_expanded(rp.siblings(
        rp.fold_condition(expanded=rp.text("# "), collapsed=rp.text("<")),
        rp.text(_summary(t) + _stats(t)),
        rp.fold_condition(collapsed=rp.text(">")))))
    node = rp.build_custom_foldable_tree_node(
        label=label,
        contents=rp.fold_condition(expanded=rp.indented_children([rp.text(repr(t))])),
        path=path, expand_state=rp.ExpandState.COLLAPSED)
    return rp.RenderableAndLineAnnotations(renderable=node.renderable,
                                           annotations=rp.build_copy_button(path))


def treescope_adapter(t: NamedTensor) -> Any:
    """``t.__treescope_ndarray_adapter__()``: the adapter that renders ``t`` as an array
    whose axes are labelled by name (``None`` for a stale tensor: no names to trust)."""
    return None if _missing(t) == "stale" else _adapter()


@functools.cache
def _adapter() -> Any:
    from treescope import ndarray_adapters, type_registries

    def inner(t: NamedTensor) -> Any:
        type_registries.update_registries_for_imports()  # treescope's numpy/jax support
        return type_registries.lookup_ndarray_adapter(t._data)

    class NamedTensorAdapter(ndarray_adapters.NDArrayAdapter):  # type: ignore[misc]
        """Axes by name only (axis order is layout); data, sharding and truncation are the
        backend array's own, through treescope's adapter for it."""

        def get_axis_info_for_array_data(self, array: NamedTensor) -> tuple[Any, ...]:
            t = array  # treescope passes arguments by keyword: its names are kept
            return tuple(ndarray_adapters.NamedPositionlessAxisInfo(n, s)
                         for n, s in zip(t._names, t._data.shape, strict=True))

        def get_array_data_with_truncation(self, array: NamedTensor, mask: object,
                                           edge_items_per_axis: tuple[int | None, ...]) -> Any:
            t = array
            missing = _missing(t)
            if missing:
                raise NamedTensorError(f"treescope.render_array: the tensor "
                                       f"{fmt_sizes(t._names, t._data.shape)} has no values "
                                       f"to render ({_MISSING_TEXT[missing].split(':')[0]})")
            if t.size == 0:
                raise AxisSizeError(f"treescope.render_array: the tensor "
                                    f"{fmt_sizes(t._names, t._data.shape)} is empty: nothing "
                                    f"to render")
            if t.dtype.kind == "c":
                raise TypeError(f"treescope.render_array: cannot render {t.dtype} values "
                                f"{fmt_sizes(t._names, t._data.shape)}; render abs(t) (the "
                                f"magnitude) or the real and imaginary parts separately")
            return inner(t).get_array_data_with_truncation(
                t._data, _mask(t, mask), edge_items_per_axis)

        def get_array_summary(self, array: NamedTensor, fast: bool) -> str:
            t = array
            missing = _missing(t)
            return _summary(t) + (f" {missing}" if missing else "" if fast else _stats(t))

        def get_numpy_dtype(self, array: NamedTensor) -> np.dtype[Any]:
            return np.dtype(array.dtype)

        def get_sharding_info_for_array_data(self, array: NamedTensor) -> Any:
            if _missing(array):
                return None
            return inner(array).get_sharding_info_for_array_data(array._data)

        def should_autovisualize(self, array: NamedTensor) -> bool:  # (none if empty)
            return _missing(array) is None and array.size > 0

    return NamedTensorAdapter()


def _mask(t: NamedTensor, mask: object) -> Host:
    """treescope's ``valid_mask`` for ``t``: a NamedTensor whose names are among ``t``'s
    (matched by name), or a bool."""
    if mask is None or isinstance(mask, (bool, np.bool_)):
        return np.array(True if mask is None else bool(mask))
    if not isinstance(mask, NamedTensor):
        raise TypeError(f"treescope.render_array: valid_mask of a NamedTensor must be a "
                        f"NamedTensor (matched by name) or a bool, got {type(mask).__name__}")
    extra = [n for n in mask.names if n not in t._names]
    if extra:
        raise AxisNameError(f"treescope.render_array: valid_mask has axes {extra} that the "
                            f"tensor {fmt_sizes(t._names, t._data.shape)} lacks")
    for n, s in mask.sizes.items():
        if s != t.sizes[n]:
            raise AxisSizeError(f"treescope.render_array: valid_mask's axis {n!r} has size "
                                f"{s}, the tensor's has {t.sizes[n]}")
    ordered = np.asarray(mask.align_to(*[n for n in t._names if n in mask.names]).numpy())
    return ordered.reshape([t.sizes[n] if n in mask.names else 1 for n in t._names])


# --- plot -----------------------------------------------------------------------------
def _plot_values(t: NamedTensor) -> Host:
    """The host values ``t.plot`` draws (bool as 0/1, bfloat16 as float32), after the
    checks that need no matplotlib."""
    op = "t.plot"
    missing = _missing(t)
    if isinstance(t._data, _Stale):
        t._data.fail()  # its AxisNameError
    names, shape = t._names, t._data.shape
    if missing == "traced":
        raise TypeError(f"{op}: this tensor {fmt_sizes(names, shape)} is traced (inside "
                        f"nt.jit, grad, vmap or scan) and has no values to plot; return it "
                        f"from the function and plot it outside")
    if missing:
        raise NamedTensorError(f"{op}: the tensor {fmt_sizes(names, shape)} has no values to "
                               f"plot ({_MISSING_TEXT[missing].split(':')[0]})")
    if len(names) not in (1, 2):
        if names:
            raise AxisNameError(
                f"{op}: plots a 1-d tensor (a line) or a 2-d tensor (a heatmap), got "
                f"{len(names)} axes {fmt_sizes(names, shape)}; select axes "
                f"(t[{{{names[0]!r}: 0}}]) or reduce them (t.sum({names[0]!r})) first")
        raise AxisNameError(f"{op}: plots a 1-d tensor (a line) or a 2-d tensor (a heatmap), "
                            f"got a 0-d tensor (no axes); plot it before selecting or "
                            f"reducing its axes, or read its value with t.item()")
    for n, s in zip(names, shape, strict=True):
        if s == 0:
            raise AxisSizeError(f"{op}: axis {n!r} of {fmt_sizes(names, shape)} has size 0: "
                                f"nothing to plot")
    if t.dtype.kind == "c":
        raise TypeError(f"{op}: cannot plot {t.dtype} values {fmt_sizes(names, shape)}; plot "
                        f"abs(t) (the magnitude) or the real and imaginary parts separately")
    values = _host(t._backend.to_numpy(t._data), t.dtype)
    return values.astype(np.int8) if values.dtype == np.bool_ else values


def plot(t: NamedTensor, ax: "Axes | None", kwargs: dict[str, Any]) -> "Axes":
    """``t.plot``: a line over the axis of a 1-d tensor, a heatmap of a 2-d one (rows: the
    first name, columns: the second), each axis labelled with its name."""
    values = _plot_values(t)
    try:
        import matplotlib.axes
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("t.plot needs matplotlib: pip install matplotlib (or pip install "
                          "'namedtensor[plot]')") from None
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.gca()
    elif not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"t.plot: ax must be a matplotlib Axes or None, got "
                        f"{type(ax).__name__}")
    names = t._names
    call = "ax.plot" if len(names) == 1 else "ax.imshow"
    try:  # the keywords go to matplotlib, which checks them
        if len(names) == 1:
            ax.plot(np.arange(values.shape[0]), values, **kwargs)
        else:
            image = ax.imshow(values, **{"aspect": "auto", "interpolation": "nearest",
                                         **kwargs})
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        # an unknown keyword is a TypeError, a bad value for a known one a NamedTensorError
        kind = TypeError if isinstance(error, (TypeError, AttributeError)) else NamedTensorError
        raise kind(f"t.plot: matplotlib's {call} refused the keywords {sorted(kwargs)} for "
                   f"a tensor {fmt_sizes(names, values.shape)}: "
                   f"{(str(error).splitlines() or [''])[0][:200]}") from None
    if len(names) == 1:
        ax.set_xlabel(names[0])
        ax.set_ylabel(f"value ({t.dtype})")
    else:
        ax.figure.colorbar(image, ax=ax, label=f"value ({t.dtype})")
        ax.set_ylabel(names[0])
        ax.set_xlabel(names[1])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax
