"""MkDocs hooks for the namedtensor site (mkdocs.yml `hooks:`; not part of the site).

1. The API reference is collected statically by griffe from the package *as it installs*.
   setuptools maps backends/ and grad/ to namedtensor.backends and namedtensor.grad
   (pyproject.toml `[tool.setuptools.package-dir]`); griffe cannot follow that mapping, so
   `on_config` mirrors the installed layout as a tree of symlinks under build/docs-api/
   (git-ignored), which mkdocs.yml gives mkdocstrings as its search path.
2. The Benchmarks page includes benchmarks/RESULTS.md (pymdownx.snippets, whose base path
   `on_config` anchors at the repository root, so any working directory builds), the one
   source of truth written by `make bench`; `on_files` adds the plots next to it
   (benchmarks/*.png become site files lstm.png, ...), so the page's image links resolve
   in a strict build.
"""

import os
import tomllib
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
API_SRC = ROOT / "build" / "docs-api"  # mkdocs.yml: mkdocstrings python `paths`


def _link(target: Path, link: Path) -> None:
    """Make ``link`` a symlink to ``target``; idempotent and safe against a parallel build."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    tmp = link.with_name(f".{link.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target, target_is_directory=target.is_dir())
    os.replace(tmp, link)  # atomic: a reader sees the old link or the new one


def mirror_installed_layout() -> Path:
    """build/docs-api/namedtensor/: namedtensor/'s files plus the mapped subpackages."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir = setuptools.get("package-dir", {})
    pkg = API_SRC / "namedtensor"
    pkg.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for entry in (ROOT / "namedtensor").iterdir():
        # __main__ is the demo (`python -m namedtensor`), not API; caches are not source
        if entry.name not in {"__main__.py", "__pycache__"}:
            wanted[entry.name] = entry
    for dotted, folder in package_dir.items():
        if dotted.startswith("namedtensor.") and dotted.count(".") == 1:
            wanted[dotted.split(".", 1)[1]] = ROOT / folder
    for name, target in wanted.items():
        _link(target, pkg / name)
    for stale in pkg.iterdir():
        if stale.name not in wanted and not stale.name.startswith("."):
            stale.unlink(missing_ok=True)
    return API_SRC


@event_priority(100)  # before mkdocstrings builds its handlers
def on_config(config, **kwargs):
    mirror_installed_layout()
    # snippets resolve against the working directory: anchor them at the repository root
    config["mdx_configs"]["pymdownx.snippets"]["base_path"] = [str(ROOT)]
    return config


def on_files(files, config, **kwargs):
    for plot in sorted((ROOT / "benchmarks").glob("*.png")):
        if files.get_file_from_path(plot.name) is None:
            files.append(File(plot.name, str(plot.parent), config["site_dir"],
                              config["use_directory_urls"]))
    return files
