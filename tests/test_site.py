"""The documentation site builds with `mkdocs build --strict`: every link, anchor and API
reference resolves, every page is in the nav, and every public name has a reference entry."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import namedtensor
import namedtensor.grad
import namedtensor.random
import namedtensor.testing
import namedtensor.testing.strategies

ROOT = Path(__file__).resolve().parent.parent
HOW_TOS = ["tutorial.md", "attention.md", "cnn.md", "testing.md", "saving.md", "scaling.md",
           "checking.md", "typed.md", "display.md", "transforms.md"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once for this file's tests (about 10 s on two cores)."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "JAX_PLATFORMS": "cpu"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out),
         "-f", str(ROOT / "mkdocs.yml")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-6000:]}"
    return out


def _nav_pages(nav):
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            yield from _nav_pages(value)
        else:
            yield value


def _config():
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_every_page_is_in_the_nav():
    pages = set(_nav_pages(_config()["nav"]))
    assert {"index.md", "getting_started.md", "reference.md", "errors.md", "design.md",
            "benchmarks.md", *HOW_TOS} <= pages
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")
               if "_site" not in p.parts}
    assert on_disk == pages, f"pages not in the nav: {on_disk - pages}; " \
                             f"missing files: {pages - on_disk}"


def test_the_site_builds_strictly(site):
    for page in ["index.html", "getting_started/index.html", "design/index.html",
                 "benchmarks/index.html", "errors/index.html", "reference/index.html",
                 "api/creating/index.html", "api/tensor/index.html", "api/transforms/index.html",
                 "lstm.png", "images/repr.html", "images/treescope.html",
                 "images/plot_line.png", "search/search_index.json"]:
        assert (site / page).is_file(), page
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert {"getting_started/", "api/einsum/", "benchmarks/"} <= locations
    assert not (site / "make_pictures.py").exists() and not (site / "_site").exists()


def test_the_nav_links_getting_started_and_every_how_to(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"#]*)"', html))
    for page in ["getting_started.md", *HOW_TOS]:
        assert f"{page[:-3]}/" in links, page


def test_the_benchmarks_page_shows_the_results_and_plots(site):
    html = (site / "benchmarks/index.html").read_text(encoding="utf-8")
    assert html.count("<table") >= 5 and 'src="../lstm.png"' in html
    for plot in (ROOT / "benchmarks").glob("*.png"):
        assert (site / plot.name).is_file(), plot.name


def _public():
    skip = {"TYPE_CHECKING", "backends", "grad", "random", "testing"}
    names = [f"namedtensor.{n}" for n in dir(namedtensor) if not n.startswith("_")
             and n not in skip]
    names += [f"namedtensor.NamedTensor.{n}" for n in dir(namedtensor.NamedTensor)
              if not n.startswith("_")]
    for module in (namedtensor.grad, namedtensor.random, namedtensor.testing,
                   namedtensor.testing.strategies):
        names += [f"{module.__name__}.{n}" for n in module.__all__
                  if not isinstance(getattr(module, n), type(namedtensor))]
    return names


def test_every_public_name_has_a_reference_entry(site):
    ids = set()
    for page in (site / "api").glob("*/index.html"):
        ids |= set(re.findall(r'id="(namedtensor\.[^"]+)"', page.read_text(encoding="utf-8")))
    # a re-export is documented where it is defined (nt.value_and_grad: namedtensor.grad's)
    missing = [n for n in _public() if n not in ids
               and f"namedtensor.grad.{n.rsplit('.', 1)[1]}" not in ids]
    assert not missing, f"no API reference entry for {missing}"
