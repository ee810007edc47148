"""Every Python block in docs/*.md and README.md runs, and every docstring example passes."""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import namedtensor

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_markdown_code_blocks_run(page):
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    namespace = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as e:  # show which block failed
            raise AssertionError(f"{page.name}, block {i} failed: {e!r}\n{block}") from e


def _modules():
    names = ["namedtensor"]
    for package in ("namedtensor", "namedtensor.backends", "namedtensor.grad",
                    "namedtensor.testing"):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        names += [package] + [f"{package}.{m.name}" for m in pkgutil.iter_modules(module.__path__)
                              if m.name != "__main__"]
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_every_public_function_has_an_example():
    missing = [n for n in dir(namedtensor) if not n.startswith("_")
               and callable(getattr(namedtensor, n))
               and not isinstance(getattr(namedtensor, n), type)
               and ">>>" not in (getattr(namedtensor, n).__doc__ or "")]
    assert not missing, missing
