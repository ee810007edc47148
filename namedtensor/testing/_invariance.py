"""check_invariance: property-check a function against namedtensor's core promise.

Permuting the stored axis order of any input must not change the result (after
alignment), and renaming an axis consistently in the inputs must rename it in the
result. Hypothesis draws the permutations and renamings and shrinks a failure to the
smallest one, which the ``AssertionError`` reports.
"""

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

import jax
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, currently_in_test_context, given, settings
from hypothesis import strategies as st

from .. import _validate
from .._errors import NamedTensorError
from .._names import fmt_sizes
from .._tensor import NamedTensor
from . import assert_allclose
from . import strategies as nts

__all__ = ["check_invariance"]

_OP = "check_invariance"
Draw = Callable[..., Any]  # st.data()'s draw(strategy, label=...)


def _is_tensor(x: object) -> TypeGuard[NamedTensor]:
    return isinstance(x, NamedTensor)


def check_invariance(f: Callable[..., Any], *tensors: Any, examples: int | None = None,
                     data: Any = None, rtol: float = 1e-4, atol: float = 1e-5,
                     **kwargs: Any) -> None:
    """Check that ``f`` gives the same result whatever the inputs' axis order and names.

    Hypothesis stores every input tensor's axes in drawn orders (``f``'s result must be
    the same after alignment) and renames input axes to fresh names (the same names
    must be renamed in the result, primed copies included). A renaming that makes ``f``
    raise a ``NamedTensorError`` means ``f`` addresses that name literally
    (``t.sum("d")``): that renaming is skipped, the permutations are still checked.

    >>> import namedtensor as nt
    >>> from namedtensor.testing import check_invariance
    >>> x = nt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "batch feat")
    >>> check_invariance(lambda t: nt.softmax(t, "feat"), x, examples=5)
    >>> def first_axis_sum(t):  # sums whichever axis is stored first
    ...     return nt.tensor(t.data.sum(0), t.names[1:])
    >>> try:
    ...     check_invariance(first_axis_sum, x, examples=5)
    ... except AssertionError as e:
    ...     print(str(e).splitlines()[1])
      tensors[0] (batch=2, feat=3) stored as (feat, batch)

    Args:
        f: the function to check, called as ``f(*tensors, **kwargs)``.
        *tensors: NamedTensors, or pytrees (dicts, lists, tuples) of them; other leaves
            (numbers, strings, 0-d arrays) are passed unchanged. A positional array with
            axes is refused: wrap it with ``nt.tensor(x, names)``.
        examples: how many permutations and renamings to try, an int ``>= 1``; default
            20 for a plain call, 1 per call with ``data``.
        data: inside a user's ``@given`` test, its ``st.data()`` object: the checks draw
            from it (and the outer test shrinks them) instead of nesting ``@given``.
        rtol, atol: tolerances for comparing results, as in :func:`assert_allclose`.
            A different axis order may change the rounding of a float32 reduction;
            the defaults leave room for that.
        **kwargs: passed to ``f``; tensors in them are permuted and renamed too.
            ``examples``, ``data``, ``rtol`` and ``atol`` are this function's own.

    Raises:
        AssertionError: a permutation or renaming changed the result (or made ``f``
            raise); the message shows the permutation of each input or the renaming,
            and the difference.
    """
    _validate.function(f, _OP)
    rtol, atol = _tolerance(rtol, "rtol"), _tolerance(atol, "atol")
    if examples is not None:
        examples = _validate.integer(examples, _OP, "examples", low=1)
    if data is not None and not callable(getattr(data, "draw", None)):
        raise TypeError(f"{_OP}: data must be the st.data() object of a @given test (or "
                        f"None), got {type(data).__name__}")
    if data is None and currently_in_test_context():
        raise TypeError(f"{_OP}: called inside a @given test without data=; nesting @given "
                        f"fails hypothesis' health check: add st.data() to the test and pass "
                        f"data=data")
    case = _Case(f, tensors, kwargs, rtol, atol)
    if data is not None:
        for _ in range(examples or 1):
            case.check(data.draw)
        return

    @settings(max_examples=examples or 20, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
              phases=(Phase.generate, Phase.shrink), verbosity=Verbosity.quiet)
    @given(st.data())
    def search(drawn: Any) -> None:
        case.check(drawn.draw)

    search()


def _tolerance(value: object, arg: str) -> float:
    number = _validate.to_float(_validate.real(value, _OP, arg))
    if not number >= 0 or not math.isfinite(number):  # nan fails both
        raise NamedTensorError(f"{_OP}: {arg} must be a finite number >= 0, got {number!r}")
    return number


class _Case:
    """One function and its inputs: the expected result, the names to rename."""

    def __init__(self, f: Callable[..., Any], tensors: tuple[Any, ...], kwargs: dict[str, Any],
                 rtol: float, atol: float) -> None:
        self.f, self.rtol, self.atol = f, rtol, atol
        paths, self.tree = jax.tree_util.tree_flatten_with_path((tensors, kwargs),
                                                                is_leaf=_is_tensor)
        self.leaves = [leaf for _, leaf in paths]
        self.labels = [_label(path) for path, _ in paths]
        for label, leaf in zip(self.labels, self.leaves, strict=True):
            _check_input(leaf, label)
        self.expected = self.call(self.leaves)  # f's own errors propagate unchanged
        # names are renamed by their base, with their primed copies ("a" and "a'" together)
        self.pool = list(dict.fromkeys(n.rstrip("'") for t in self.leaves if _is_tensor(t)
                                       for n in t.names))
        out = [t for t in _flat(self.expected)[0] if _is_tensor(t)]
        self.taken = set(self.pool) | {n.rstrip("'") for t in out for n in t.names}

    def call(self, leaves: Sequence[Any]) -> Any:
        args, kw = jax.tree_util.tree_unflatten(self.tree, leaves)
        return self.f(*args, **kw)

    def check(self, draw: Draw) -> None:
        self.check_orders(draw)
        self.check_renaming(draw)

    def check_orders(self, draw: Draw) -> None:
        leaves: list[Any] = []
        moved: list[str] = []
        for label, t in zip(self.labels, self.leaves, strict=True):
            if _is_tensor(t) and t.ndim > 1:
                p = draw(nts.permuted(t), label=f"order of {label}")
                if p.names != t.names:
                    moved.append(f"  {label} {fmt_sizes(t.names, t.shape)} stored as "
                                 f"({', '.join(p.names)})")
                t = p
            leaves.append(t)
        what = "\n".join(moved) or "  every input as given"
        try:
            actual = self.call(leaves)
        except Exception as error:  # an error is a result that changed: report it
            raise AssertionError(f"{_OP}: f raised {type(error).__name__} once the inputs' "
                                 f"axes were stored in another order\n{what}\n"
                                 f"{error}") from error
        problem = self.compare(actual, self.expected)
        if problem:
            raise AssertionError(f"{_OP}: f's result depends on the order in which the "
                                 f"inputs' axes are stored\n{what}\n{problem}")

    def check_renaming(self, draw: Draw) -> None:
        if not self.pool:
            return
        old = draw(st.lists(st.sampled_from(self.pool), min_size=1, max_size=len(self.pool),
                            unique=True), label="axes to rename")
        taken, mapping = set(self.taken), dict[str, str]()
        for name in old:
            new = draw(nts.axis_names(max_length=4), label=f"new name for {name!r}")
            while new in taken:
                new += "_"
            taken.add(new)
            mapping[name] = new
        leaves = [_rename(t, mapping) if _is_tensor(t) else t for t in self.leaves]
        what = f"  renaming {mapping} in the inputs (and in the expected result)"
        try:
            actual = self.call(leaves)
        except NamedTensorError:  # f addresses a renamed name literally: skip this renaming
            return
        except Exception as error:
            raise AssertionError(f"{_OP}: f raised {type(error).__name__} once axes of the "
                                 f"inputs were renamed\n{what}\n{error}") from error
        flat, tree = _flat(self.expected)
        expected = jax.tree_util.tree_unflatten(
            tree, [_rename(t, mapping) if _is_tensor(t) else t for t in flat])
        problem = self.compare(actual, expected)
        if problem:
            raise AssertionError(f"{_OP}: renaming axes of the inputs did not rename them "
                                 f"in f's result\n{what}\n{problem}")

    def compare(self, actual: Any, expected: Any) -> str:
        """``""`` if the results agree, else what differs (no array values, a summary)."""
        (got, got_tree), (want, want_tree) = _flat(actual), _flat(expected)
        if got_tree != want_tree:
            return f"the result's structure changed: {got_tree} instead of {want_tree}"
        problems: list[str] = []
        for path, a, d in zip(_flat_paths(expected), got, want, strict=True):
            where = "result" + jax.tree_util.keystr(path)
            if _numeric(a) and _numeric(d):
                try:
                    assert_allclose(a, d, rtol=self.rtol, atol=self.atol)
                except AssertionError as e:
                    problems.append(f"{where}: {_summary(str(e))}")
            elif _numeric(a) or _numeric(d) or not _same(a, d):
                problems.append(f"{where}: a {type(a).__name__} that differs from the "
                                f"{type(d).__name__} of the original call")
        return "\n".join(problems)


def _label(path: Sequence[Any]) -> str:
    """``tensors[0]['q']`` for a positional argument, ``mask[1]`` for a keyword one."""
    top, *rest = path
    if top.idx == 0:
        return "tensors" + jax.tree_util.keystr(tuple(rest))
    return str(rest[0].key) + jax.tree_util.keystr(tuple(rest[1:]))


def _check_input(x: Any, label: str) -> None:
    if _is_tensor(x):
        if isinstance(x.data, jax.core.Tracer):
            raise TypeError(f"{_OP}: {label} is traced (inside jit, grad or vmap); check "
                            f"concrete tensors, outside the transform")
    elif hasattr(x, "shape") and np.ndim(x) > 0:
        raise TypeError(f"{_OP}: {label} is a positional {type(x).__name__} with axes, "
                        f"which cannot be permuted by name; wrap it with nt.tensor(x, names)")


def _flat(tree: Any) -> tuple[list[Any], Any]:
    return jax.tree_util.tree_flatten(tree, is_leaf=_is_tensor)


def _flat_paths(tree: Any) -> list[Any]:
    return [p for p, _ in jax.tree_util.tree_flatten_with_path(tree, is_leaf=_is_tensor)[0]]


def _rename(t: NamedTensor, mapping: dict[str, str]) -> NamedTensor:
    """``t`` with ``mapping`` applied to its names, and to their primed copies."""
    renamed = {}
    for n in t.names:
        base = n.rstrip("'")
        if base in mapping:
            renamed[n] = mapping[base] + n[len(base):]
    return t.rename(renamed) if renamed else t


def _numeric(x: object) -> bool:
    return _is_tensor(x) or isinstance(x, (bool, int, float, complex, np.number, np.bool_)) \
        or (hasattr(x, "shape") and hasattr(x, "dtype"))


def _same(a: object, b: object) -> bool:
    try:
        return bool(a is b or a == b)
    except (TypeError, ValueError):  # an object whose == is not a truth value: unequal
        return False


def _summary(message: str) -> str:
    """assert_allclose's message without the values: its header and difference summary."""
    lines = [line for line in message.splitlines() if line and not line[0].isspace()
             and not line.startswith("Mismatch at")]
    return "\n  ".join(lines)
