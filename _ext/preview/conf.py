"""Sphinx configuration for `make preview` (sphinx-autobuild), read from _config.yml.

Jupyter Book 1 has no conf.py: `jupyter-book build` turns _config.yml into
Sphinx settings in memory. sphinx-autobuild runs plain Sphinx, which needs a
conf.py, so this one asks Jupyter Book for the same settings, on every rebuild
(an edit to _config.yml shows in the next rebuild). It lives outside the book's
root, so Sphinx resolves paths that are relative to the conf.py's folder
(html_static_path, html_favicon, html_logo) against the book's root here.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_book.config import get_final_config

ROOT = Path(__file__).resolve().parents[2]

# What `jupyter-book build . -n` passes on its command line; also puts the
# local extensions' folders (_ext) on sys.path.
_settings, _ = get_final_config(
    user_yaml=ROOT / "_config.yml",
    sourcedir=ROOT,
    cli_config={"external_toc_path": "_toc.yml", "latex_individualpages": False, "nitpicky": True},
)
_settings["html_static_path"] = [str(ROOT / p) for p in _settings.get("html_static_path", [])]
for _key in ("html_favicon", "html_logo"):
    if _settings.get(_key) and "://" not in _settings[_key]:
        _settings[_key] = str(ROOT / _settings[_key])
globals().update(_settings)
