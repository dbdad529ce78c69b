"""Buttons and canonical links that follow the fork: _ext/jacobian_book/repository.py."""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import Mock

import pytest
from book_copy import build_small, small_book
from sphinx.errors import ConfigError

from jacobian_book import repository

CONFIG_URL = "https://github.com/jacobian-chapter/jacobian-chapter"
FORK = "https://github.com/fork-owner/my.book"
FORK_PAGES = "https://someone.github.io/fork/"


@pytest.mark.parametrize(("remote", "url"), [
    *[(remote, FORK) for remote in (
        FORK, f"{FORK}.git", f"{FORK}/", "http://www.github.com/fork-owner/my.book.git",
        "https://someone:ghp_secret@github.com/fork-owner/my.book.git",  # credentials dropped
        "git@github.com:fork-owner/my.book.git", "git@github.com:fork-owner/my.book",
        "ssh://git@github.com/fork-owner/my.book.git", "ssh://git@github.com:22/fork-owner/my.book",
        "git://github.com/fork-owner/my.book.git", "  git@github.com:fork-owner/my.book.git\n")],
    # Elsewhere; an account, not a repository; a page inside one; look-alike hosts; paths.
    *[(remote, None) for remote in (
        "https://gitlab.com/fork-owner/book.git", "git@gitlab.com:fork-owner/book.git",
        "https://github.com/fork-owner", "https://github.com/fork-owner/book/tree/main",
        "https://notgithub.com/fork-owner/book", "https://github.com.evil.example/fork-owner/book",
        "/srv/git/book.git", "../book", "")],
])
def test_github_remotes_normalise_to_https_and_others_are_not_github(remote, url):
    assert repository.github_url(remote) == url


@pytest.mark.parametrize(("environ", "origin", "url", "source"), [
    ({"BOOK_REPOSITORY_URL": "git@github.com:from-env/book.git"}, "git@github.com:git/book",
     "https://github.com/from-env/book", r"environment variable BOOK_REPOSITORY_URL"),
    ({}, "https://github.com/from-git/book.git", "https://github.com/from-git/book",
     r"git remote origin"),
    ({"BOOK_REPOSITORY_URL": "  "}, "https://github.com/from-git/book.git",
     "https://github.com/from-git/book", r"git remote origin"),
    ({}, "https://gitlab.com/from-git/book.git", CONFIG_URL, r"_config\.yml.*not on GitHub"),
    ({}, None, CONFIG_URL, r"_config\.yml.*no git remote"),
])
def test_the_variable_wins_then_a_github_origin_then_the_config(environ, origin, url, source):
    git_origin = Mock(return_value=origin)
    found, said = repository.resolve_repository(environ, git_origin, CONFIG_URL)
    assert found == url and re.match(source, said), said
    # With the variable set, git is never run.
    assert git_origin.call_count == (0 if "BOOK_REPOSITORY_URL" in said else 1)


def test_a_url_off_github_is_a_clear_error_that_stops_the_build(monkeypatch, tmp_path):
    # A ConfigError from config-inited (apply_repository) stops Sphinx before any page.
    monkeypatch.setenv("BOOK_REPOSITORY_URL", "https://gitlab.com/o/n")
    config = SimpleNamespace(html_theme_options={"repository_url": CONFIG_URL})
    with pytest.raises(ConfigError, match=r"BOOK_REPOSITORY_URL must be a GitHub .*gitlab"):
        repository.apply_repository(SimpleNamespace(srcdir=os.fspath(tmp_path)), config)
    with pytest.raises(ValueError, match=r"repository_url must be a GitHub .*gitlab"):
        repository.pages_url("https://gitlab.com/someone/fork")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", os.fspath(cwd), *args], check=True, capture_output=True)


def test_git_origin_reads_a_real_clone(tmp_path):
    git(tmp_path, "init", "-q")
    assert repository.git_origin(tmp_path) is None
    git(tmp_path, "remote", "add", "origin", "git@github.com:someone/book.git")
    assert repository.git_origin(tmp_path) == "git@github.com:someone/book.git"
    assert repository.git_origin(tmp_path / "missing") is None


@pytest.mark.parametrize(("repository_url", "pages"), [
    ("https://github.com/someone/fork", "https://someone.github.io/fork/"),
    ("git@github.com:someone/fork.git", "https://someone.github.io/fork/"),
    # Host names are lower case; the path keeps the repository's case.
    ("https://github.com/Some-One/My.Book", "https://some-one.github.io/My.Book/"),
    # The owner's own site is served at the root, whatever its case ...
    ("https://github.com/someone/someone.github.io", "https://someone.github.io/"),
    ("https://github.com/SomeOne/someone.GitHub.io", "https://someone.github.io/"),
    # ... but only the owner's: another account's name is a project site.
    ("https://github.com/someone/other.github.io", "https://someone.github.io/other.github.io/"),
])
def test_pages_url_is_where_github_pages_serves_the_repository(repository_url, pages):
    assert repository.pages_url(repository_url) == pages


@pytest.mark.parametrize(
    ("config_url", "baseurl", "env_url", "buttons", "canonical", "prefix", "log"), [
        (CONFIG_URL, "", "https://github.com/someone/fork", "https://github.com/someone/fork",
         FORK_PAGES, "/fork/", r"html_baseurl\) \S+/fork/ .*environment variable"),
        # A custom domain in _config.yml's html.baseurl is the author's choice.
        (CONFIG_URL, "https://course.example.org/", "https://github.com/someone/fork",
         "https://github.com/someone/fork", "https://course.example.org/", "/",
         r"https://course\.example\.org/ \(from _config\.yml html\.baseurl\)"),
        ("https://gitlab.com/someone/fork", "", None, "https://gitlab.com/someone/fork", "",
         "/", r"no canonical URL.*is not on GitHub"),
    ], ids=["variable", "custom-domain", "off-github"])  # the clone's origin: the build below
def test_apply_repository_sets_the_buttons_the_canonical_url_and_the_404_prefix(
        monkeypatch, tmp_path, config_url, baseurl, env_url, buttons, canonical, prefix, log):
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    if env_url is not None:
        monkeypatch.setenv("BOOK_REPOSITORY_URL", env_url)
    messages: list[str] = []
    monkeypatch.setattr(repository.logger, "info", messages.append)
    config = SimpleNamespace(
        html_theme_options={"repository_url": config_url}, html_baseurl=baseurl,
        notfound_urls_prefix="/en/latest/",  # sphinx-notfound-page's default
    )
    repository.apply_repository(SimpleNamespace(srcdir=os.fspath(tmp_path)), config)
    assert config.html_theme_options["repository_url"] == buttons
    assert (config.html_baseurl, config.notfound_urls_prefix) == (canonical, prefix)
    assert re.search(log, "\n".join(messages)), messages


# --- real builds ---------------------------------------------------------------
#: Each button's link, the repository's owner/name in its group.
BUTTONS = {
    "repository": r'href="https://github\.com/([^/"]+/[^/"?]+)"',
    "issues": r'href="https://github\.com/([^/"]+/[^/"?]+)/issues/new',
    "edit": r'href="https://github\.com/([^/"]+/[^/"?]+)/edit/main/page\.md"',
    "binder": r'href="https://mybinder\.org/v2/gh/([^/"]+/[^/"]+)/main\?urlpath=lab/tree/page\.md"',
    "thebe": r'repo: "([^"]+)"',
}


# Which source wins is checked above, on units; a build of a page with the real _config.yml
# in a clone of from-git/book shows that every button and the canonical link take it.
@pytest.mark.slow
@pytest.mark.own_build
def test_a_build_names_the_resolved_repository_everywhere(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    book = small_book(tmp_path, {"page": "1 + 1", "chapter": "2"})
    git(book, "init", "-q")
    git(book, "remote", "add", "origin", "git@github.com:from-git/book.git")
    status, log = build_small(book)
    assert status == 0, log[-3000:]
    assert "point at https://github.com/from-git/book (from git remote origin)" in log
    text = html.unescape((book / "_build" / "html" / "page.html").read_text(encoding="utf-8"))
    found = {button: set(re.findall(pattern, text)) for button, pattern in BUTTONS.items()}
    assert found == {button: {"from-git/book"} for button in BUTTONS}
    # The canonical link: the GitHub Pages site of the same repository.
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)"', text)
    assert canonical == ["https://from-git.github.io/book/page.html"]
