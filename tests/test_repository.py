"""Buttons and canonical links that follow the fork: _ext/jacobian_book/repository.py.

Unit tests of the resolver (the environment variable, a GitHub origin in https
and ssh form, a remote elsewhere, no remote) and of the GitHub Pages address
derived from it, then real builds of a one-page book made from this book's own
_config.yml, in a throwaway git clone, whose HTML is searched for the
repository, issues, Binder and Live Code links and the canonical URL.
"""

from __future__ import annotations

import copy
import html
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sphinx.errors import ConfigError

from jacobian_book import repository

ROOT = Path(__file__).resolve().parents[1]


CONFIG_URL = "https://github.com/jacobian-chapter/jacobian-chapter"


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/fork-owner/my.book",
        "https://github.com/fork-owner/my.book.git",
        "https://github.com/fork-owner/my.book/",
        "http://www.github.com/fork-owner/my.book.git",
        "https://someone:ghp_secret@github.com/fork-owner/my.book.git",
        "git@github.com:fork-owner/my.book.git",
        "git@github.com:fork-owner/my.book",
        "ssh://git@github.com/fork-owner/my.book.git",
        "ssh://git@github.com:22/fork-owner/my.book",
        "git://github.com/fork-owner/my.book.git",
        "  git@github.com:fork-owner/my.book.git\n",
    ],
)
def test_github_forms_normalise_to_https(remote):
    assert repository.github_url(remote) == "https://github.com/fork-owner/my.book"


@pytest.mark.parametrize(
    "remote",
    [
        "https://gitlab.com/fork-owner/book.git",
        "git@gitlab.com:fork-owner/book.git",
        "https://github.com/fork-owner",  # an account, not a repository
        "https://github.com/fork-owner/book/tree/main",  # a page inside one
        "https://notgithub.com/fork-owner/book",
        "https://github.com.evil.example/fork-owner/book",
        "/srv/git/book.git",
        "../book",
        "",
    ],
)
def test_other_remotes_are_not_github(remote):
    assert repository.github_url(remote) is None


def test_credentials_never_reach_the_url():
    url = repository.github_url("https://someone:ghp_secret@github.com/o/n.git")
    assert "ghp_secret" not in url and "someone" not in url


def _never(calls: list[str]):
    def origin():
        calls.append("origin")
        return "git@github.com:from-git/book.git"

    return origin


def test_environment_variable_wins_and_git_is_not_asked():
    calls: list[str] = []
    url, source = repository.resolve_repository(
        {"BOOK_REPOSITORY_URL": "git@github.com:from-env/book.git"}, _never(calls), CONFIG_URL
    )
    assert url == "https://github.com/from-env/book"
    assert "BOOK_REPOSITORY_URL" in source
    assert calls == []


def test_github_origin_is_used_without_the_variable():
    for environ in ({}, {"BOOK_REPOSITORY_URL": "  "}):
        url, source = repository.resolve_repository(
            environ, lambda: "https://github.com/from-git/book.git", CONFIG_URL
        )
        assert (url, source) == ("https://github.com/from-git/book", "git remote origin")


def test_non_github_origin_falls_back_to_config():
    url, source = repository.resolve_repository(
        {}, lambda: "https://gitlab.com/from-git/book.git", CONFIG_URL
    )
    assert url == CONFIG_URL
    assert source.startswith("_config.yml") and "not on GitHub" in source


def test_no_origin_falls_back_to_config():
    url, source = repository.resolve_repository({}, lambda: None, CONFIG_URL)
    assert url == CONFIG_URL
    assert source.startswith("_config.yml") and "no git remote" in source


def test_bad_environment_variable_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"BOOK_REPOSITORY_URL must be a GitHub .*gitlab"):
        repository.resolve_repository(
            {"BOOK_REPOSITORY_URL": "https://gitlab.com/o/n"}, lambda: None, CONFIG_URL
        )


def test_git_origin_reads_a_real_clone(tmp_path):
    _git(tmp_path, "init", "-q")
    assert repository.git_origin(tmp_path) is None
    _git(tmp_path, "remote", "add", "origin", "git@github.com:someone/book.git")
    assert repository.git_origin(tmp_path) == "git@github.com:someone/book.git"
    assert repository.git_origin(tmp_path / "missing") is None


def test_config_registers_the_extension():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"]["jacobian_book"] == "_ext"
    assert config["repository"]["url"].startswith("https://github.com/")


@pytest.mark.parametrize(
    ("repository_url", "pages"),
    [
        ("https://github.com/someone/fork", "https://someone.github.io/fork/"),
        ("git@github.com:someone/fork.git", "https://someone.github.io/fork/"),
        # Host names are lower case; the path keeps the repository's case.
        ("https://github.com/Some-One/My.Book", "https://some-one.github.io/My.Book/"),
        # The owner's own site is served at the root, whatever its case.
        ("https://github.com/someone/someone.github.io", "https://someone.github.io/"),
        ("https://github.com/SomeOne/someone.GitHub.io", "https://someone.github.io/"),
        # ... but only the owner's: another account's name is a project site.
        ("https://github.com/someone/other.github.io", "https://someone.github.io/other.github.io/"),
    ],
)
def test_pages_url_is_where_github_pages_serves_the_repository(repository_url, pages):
    assert repository.pages_url(repository_url) == pages


def test_pages_url_of_a_non_github_url_is_a_clear_error():
    with pytest.raises(ValueError, match=r"repository_url must be a GitHub .*gitlab"):
        repository.pages_url("https://gitlab.com/someone/fork")


def _configured(monkeypatch, tmp_path, *, repository_url, baseurl="", env_url=None):
    """apply_repository on a stand-in Sphinx config; returns (config, log text)."""
    if env_url is None:
        monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    else:
        monkeypatch.setenv("BOOK_REPOSITORY_URL", env_url)
    messages: list[str] = []
    monkeypatch.setattr(repository.logger, "info", lambda message: messages.append(message))
    config = SimpleNamespace(
        html_theme_options={"repository_url": repository_url}, html_baseurl=baseurl,
        notfound_urls_prefix="/en/latest/",  # sphinx-notfound-page's default
    )
    repository.apply_repository(SimpleNamespace(srcdir=os.fspath(tmp_path)), config)
    return config, "\n".join(messages)


def test_canonical_url_follows_the_variable(monkeypatch, tmp_path):
    config, log = _configured(
        monkeypatch, tmp_path, repository_url=CONFIG_URL, env_url="https://github.com/someone/fork"
    )
    assert config.html_baseurl == "https://someone.github.io/fork/"
    # The 404 page's links start at the same site's path.
    assert config.notfound_urls_prefix == "/fork/"
    assert "canonical URL (html_baseurl) https://someone.github.io/fork/" in log
    assert "from environment variable BOOK_REPOSITORY_URL" in log


def test_a_baseurl_written_in_config_is_kept(monkeypatch, tmp_path):
    """A custom domain in _config.yml's html.baseurl is the author's choice."""
    config, log = _configured(
        monkeypatch, tmp_path, repository_url=CONFIG_URL,
        baseurl="https://course.example.org/", env_url="https://github.com/someone/fork",
    )
    assert config.html_baseurl == "https://course.example.org/"
    assert config.notfound_urls_prefix == "/"
    assert config.html_theme_options["repository_url"] == "https://github.com/someone/fork"
    assert "https://course.example.org/ (from _config.yml html.baseurl)" in log


def test_no_canonical_url_for_a_repository_off_github(monkeypatch, tmp_path):
    # No clone in tmp_path, so the fallback is the configured URL, here not on GitHub.
    config, log = _configured(
        monkeypatch, tmp_path, repository_url="https://gitlab.com/someone/fork"
    )
    assert config.html_baseurl == ""
    assert "no canonical URL" in log and "is not on GitHub" in log


# --- real builds ---------------------------------------------------------------

PAGE = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page with code

```{code-cell} ipython3
1 + 1
```
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", os.fspath(cwd), *args], check=True, capture_output=True)


def _small_book(tmp_path: Path, remote: str | None) -> Path:
    """A one-page book with this book's repository, button and extension settings."""
    book = tmp_path / "book"
    book.mkdir()
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    small = {
        "title": "Buttons",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "repository": copy.deepcopy(config["repository"]),
        "launch_buttons": copy.deepcopy(config["launch_buttons"]),
        "html": {
            key: config["html"][key]
            for key in ("use_repository_button", "use_issues_button", "use_edit_page_button")
        },
        "sphinx": {"local_extensions": {"jacobian_book": os.fspath(ROOT / "_ext")}},
    }
    (book / "_config.yml").write_text(yaml.safe_dump(small), encoding="utf-8")
    (book / "_toc.yml").write_text("format: jb-book\nroot: page\n", encoding="utf-8")
    (book / "page.md").write_text(PAGE, encoding="utf-8")
    _git(book, "init", "-q")
    if remote is not None:
        _git(book, "remote", "add", "origin", remote)
    return book


def _build(book: Path, env_url: str | None) -> tuple[str, str]:
    """Build ``book``; returns the build log and page.html."""
    env = {k: v for k, v in os.environ.items() if k != "BOOK_REPOSITORY_URL"}
    if env_url is not None:
        env["BOOK_REPOSITORY_URL"] = env_url
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [os.fspath(jb), "build", os.fspath(book), "-W", "-n", "--keep-going"],
        cwd=book,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    return log, (book / "_build" / "html" / "page.html").read_text(encoding="utf-8")


def _button_targets(page: str) -> dict[str, str]:
    """owner/name as each button names it: repository, edit, issues, Binder and Thebe."""
    text = html.unescape(page)
    found = {}
    patterns = {
        "repository": r'href="https://github\.com/([^/"]+/[^/"?]+)"',
        "issues": r'href="https://github\.com/([^/"]+/[^/"?]+)/issues/new',
        "edit": r'href="https://github\.com/([^/"]+/[^/"?]+)/edit/main/page\.md"',
        "binder": r'href="https://mybinder\.org/v2/gh/([^/"]+/[^/"]+)/main\?urlpath=lab/tree/page\.md"',
        "thebe": r'repo: "([^"]+)"',
    }
    for button, pattern in patterns.items():
        targets = set(re.findall(pattern, text))
        assert len(targets) == 1, f"{button}: expected one target, found {targets}"
        found[button] = targets.pop()
    return found


@pytest.mark.parametrize(
    ("remote", "env_url", "expected", "source"),
    [
        # 1. the variable beats a GitHub origin: a fork's CI
        (
            "git@github.com:from-git/book.git",
            "https://github.com/someone/fork",
            "someone/fork",
            "environment variable BOOK_REPOSITORY_URL",
        ),
        # 2. a fork's clone: the origin, in ssh form
        ("git@github.com:from-git/book.git", None, "from-git/book", "git remote origin"),
        # 3. a remote that is not on GitHub, then no remote: _config.yml
        ("https://gitlab.com/from-git/book.git", None, "CONFIG", "_config.yml repository.url"),
        (None, None, "CONFIG", "_config.yml repository.url"),
    ],
    ids=["env", "git-origin", "non-github-origin", "no-origin"],
)
@pytest.mark.slow
@pytest.mark.own_build
def test_build_points_every_button_at_the_resolved_repository(
    tmp_path, remote, env_url, expected, source
):
    if expected == "CONFIG":
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        expected = config["repository"]["url"].removeprefix("https://github.com/")
    log, page = _build(_small_book(tmp_path, remote), env_url)
    assert f"point at https://github.com/{expected} (from {source}" in log
    assert _button_targets(page) == dict.fromkeys(
        ("repository", "edit", "issues", "binder", "thebe"), expected
    )
    # The canonical link: the GitHub Pages site of the same repository.
    owner, name = expected.split("/")
    site = f"https://{owner.lower()}.github.io/{name}/"
    assert f"canonical URL (html_baseurl) {site} " in log
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)"', page)
    assert canonical == [f"{site}page.html"]


@pytest.mark.slow
@pytest.mark.own_build
def test_build_with_a_bad_variable_fails_naming_it(tmp_path):
    book = _small_book(tmp_path, None)
    env = {**os.environ, "BOOK_REPOSITORY_URL": "https://example.org/o/n"}
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [os.fspath(jb), "build", os.fspath(book), "-W"],
        cwd=book, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode != 0
    assert "BOOK_REPOSITORY_URL must be a GitHub repository URL" in proc.stdout + proc.stderr
    assert not (book / "_build" / "html" / "page.html").exists()
