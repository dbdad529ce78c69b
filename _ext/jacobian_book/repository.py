"""A local Sphinx extension: the book's buttons point at the repository it is built from.

The repository, edit, issues, Binder and Live Code (Thebe) buttons all read one
setting, ``html_theme_options["repository_url"]``, which jupyter-book fills
from ``repository.url`` in ``_config.yml``. A fork built from its own clone
should point at the fork without anybody editing that file, so at build time
the URL is taken from the first of these that gives one:

1. the environment variable ``BOOK_REPOSITORY_URL`` (a GitHub URL; CI of a
   fork, or a build outside any clone);
2. ``git remote get-url origin``, when that remote is on GitHub (https or ssh
   form, normalised to ``https://github.com/owner/name``);
3. ``repository.url`` in ``_config.yml``.

mybinder.org and sphinx-thebe only launch GitHub repositories, hence a remote
elsewhere falls back to ``_config.yml`` rather than producing broken buttons.
The build log says which source was used.

The site's canonical URL (``html_baseurl``, the ``<link rel="canonical">`` of
every page) follows the same repository: GitHub Pages serves a repository
``owner/name`` at ``https://owner.github.io/name/`` (and ``owner/owner.github.io``
at ``https://owner.github.io/``). A ``baseurl`` set in ``_config.yml``'s
``html`` section (a custom domain) is kept as written. The 404 page's links
(``notfound_urls_prefix``) start with that URL's path.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ENV_VAR = "BOOK_REPOSITORY_URL"

#: owner and name as GitHub allows them: letters, digits, '-', '_' and '.'.
_NAME = r"[A-Za-z0-9_.-]+"

#: The forms in which git prints a GitHub remote. Credentials in an https URL
#: (``https://user:token@github.com/...``) are matched and then dropped, so a
#: token can never reach the HTML.
_GITHUB_FORMS = [
    # https://github.com/owner/name(.git)(/), also http://, www., user@
    re.compile(rf"^https?://(?:[^@/]+@)?(?:www\.)?github\.com/(?P<owner>{_NAME})/(?P<name>{_NAME})/?$"),
    # git@github.com:owner/name(.git), the scp-like ssh form
    re.compile(rf"^(?:[^@/]+@)?github\.com:(?P<owner>{_NAME})/(?P<name>{_NAME})/?$"),
    # ssh://git@github.com(:22)/owner/name(.git), git://github.com/owner/name
    re.compile(
        rf"^(?:ssh|git|git\+ssh)://(?:[^@/]+@)?github\.com(?::\d+)?/(?P<owner>{_NAME})/(?P<name>{_NAME})/?$"
    ),
]


def github_url(remote: str) -> str | None:
    """The ``https://github.com/owner/name`` form of a GitHub remote, or None.

    Parameters
    ----------
    remote : str
        A remote URL as ``git remote get-url`` prints it, e.g.
        ``git@github.com:owner/name.git``.

    Returns
    -------
    str or None
        The normalised URL (no credentials, no ``.git``, no trailing slash), or
        None when ``remote`` is not a GitHub repository URL.
    """
    remote = remote.strip()
    for form in _GITHUB_FORMS:
        match = form.match(remote)
        if match:
            name = match["name"].removesuffix(".git")
            if name in ("", ".", ".."):
                return None
            return f"https://github.com/{match['owner']}/{name}"
    return None


def pages_url(repository_url: str) -> str:
    """The address at which GitHub Pages serves a repository's site.

    Parameters
    ----------
    repository_url : str
        A GitHub repository URL in any form that :func:`github_url` accepts,
        e.g. ``https://github.com/owner/name``.

    Returns
    -------
    str
        ``https://owner.github.io/name/`` for a project site, or
        ``https://owner.github.io/`` when the repository is the owner's own
        ``owner.github.io``. Host names are lower case, as GitHub Pages gives
        them; the repository part keeps its case.

    Raises
    ------
    ValueError
        When ``repository_url`` is not a GitHub repository URL.
    """
    url = github_url(repository_url)
    if url is None:
        raise ValueError(
            f"repository_url must be a GitHub repository URL such as "
            f"https://github.com/owner/name; got {repository_url!r}"
        )
    owner, name = url.removeprefix("https://github.com/").split("/")
    host = f"{owner.lower()}.github.io"
    if name.lower() == host:
        return f"https://{host}/"
    return f"https://{host}/{name}/"


def git_origin(directory: Path) -> str | None:
    """``git remote get-url origin`` run in ``directory``; None without git, repo or remote."""
    try:
        proc = subprocess.run(
            ["git", "-C", os.fspath(directory), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def resolve_repository(
    environ: Mapping[str, str],
    origin: Callable[[], str | None],
    config_url: str,
) -> tuple[str, str]:
    """The repository URL for the buttons, and a phrase naming where it came from.

    Parameters
    ----------
    environ : mapping of str to str
        The environment; ``BOOK_REPOSITORY_URL`` wins when set and non-empty.
    origin : callable
        Returns the ``origin`` remote (or None); called only when the
        environment does not decide, so a build with the variable set never
        runs git.
    config_url : str
        ``repository.url`` from ``_config.yml``, the fallback.

    Returns
    -------
    (url, source) : tuple of str

    Raises
    ------
    sphinx.errors.ConfigError
        When ``BOOK_REPOSITORY_URL`` is set but is not a GitHub repository URL.
    """
    from_env = environ.get(ENV_VAR, "").strip()
    if from_env:
        url = github_url(from_env)
        if url is None:
            raise ConfigError(
                f"{ENV_VAR} must be a GitHub repository URL such as "
                f"https://github.com/owner/name or git@github.com:owner/name.git "
                f"(Binder and Live Code launch only GitHub repositories); got {from_env!r}"
            )
        return url, f"environment variable {ENV_VAR}"
    remote = origin()
    if remote:
        url = github_url(remote)
        if url is not None:
            return url, "git remote origin"
    reason = "no git remote origin" if not remote else "git remote origin is not on GitHub"
    return config_url, f"_config.yml repository.url ({reason})"


def apply_repository(app: Sphinx, config: Config) -> None:
    """Point every button that names the repository, and the canonical URL, at the resolved one."""
    options = config.html_theme_options
    config_url = options.get("repository_url", "")
    url, source = resolve_repository(
        os.environ, lambda: git_origin(Path(app.srcdir)), config_url
    )
    options["repository_url"] = url
    # sphinx-book-theme copies repository_url into thebe_config only when that
    # has none; keep an explicit one in step too.
    thebe_config = getattr(config, "thebe_config", None)
    if isinstance(thebe_config, dict) and "repository_url" in thebe_config:
        thebe_config["repository_url"] = url
    logger.info(f"[repository] launch and repository buttons point at {url} (from {source})")

    # The canonical URL of every page. An html.baseurl written in _config.yml
    # (a custom domain) is the author's choice and stays.
    if config.html_baseurl:
        logger.info(
            f"[repository] canonical URL (html_baseurl) {config.html_baseurl} "
            f"(from _config.yml html.baseurl)"
        )
    elif github_url(url) is not None:
        config.html_baseurl = pages_url(url)
        logger.info(
            f"[repository] canonical URL (html_baseurl) {config.html_baseurl} "
            f"(GitHub Pages of {url}, from {source})"
        )
    else:
        logger.info(
            f"[repository] no canonical URL: {url} (from {source}) is not on GitHub"
        )
    # sphinx-notfound-page: the 404 page is served for a missing URL at any
    # depth, so its links start at the site's own path, /<repository>/ on
    # GitHub Pages (the default, /en/latest/, is Read the Docs').
    if hasattr(config, "notfound_urls_prefix"):
        config.notfound_urls_prefix = urlsplit(config.html_baseurl).path or "/"

