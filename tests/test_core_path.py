"""The core path (the root page and the first part of ``_toc.yml``) stays one sitting.

``python tests/test_core_path.py`` prints the counts against the limits below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from book_site import ROOT, toc_pages

TOTAL_LIMIT = 7_500
PAGE_LIMIT = 1_600  # every page of the toc
LINE_LIMIT = 750
# Exercises carry their statements and checkers' explanations: a looser cap.
PAGE_LIMITS = {"chapters/exercises": 2_200}

_FENCE = r"(`{3,}|~{3,})"
_BLOCKS = r"(python|ipython3|py|text|bash|console|js|none)\s*$"
_DIRECTIVES = r"\{(literalinclude|code-block|code|math)\}"
_FLAGS = re.S | re.M


def prose(md: str) -> str:
    """A MyST page's text as a reader reads it: no front matter, code, math or markup.

    Inline math and roles leave one placeholder word, as a reader reads one word.
    """
    md = re.sub(r"\A---\n.*?\n---\n", "", md, flags=re.S)
    md = re.sub(rf"^{_FENCE}\{{code-cell\}}.*?^\1\s*$", " ", md, flags=_FLAGS)
    md = re.sub(rf"^{_FENCE}{_BLOCKS}.*?^\1\s*$", " ", md, flags=_FLAGS)
    md = re.sub(rf"^{_FENCE}{_DIRECTIVES}.*?^\1\s*$", " ", md, flags=_FLAGS)
    md = re.sub(r"\$\$.*?\$\$", " ", md, flags=re.S)
    md = re.sub(r"\$[^$\n]+\$", " X ", md)
    md = re.sub(r"^:[\w-]+:.*$", " ", md, flags=re.M)
    md = re.sub(r"^(`{3,}|:{3,}).*$", " ", md, flags=re.M)
    md = re.sub(r"\{[\w:-]+\}`[^`]*`", " X ", md)
    return re.sub(r"<!--.*?-->", " ", md, flags=re.S)


def count_words(md: str) -> int:
    return len(re.findall(r"[A-Za-z][A-Za-z'-]*", prose(md)))


def core_pages(root: Path = ROOT) -> list[str]:
    """The core path's pages, as ``_toc.yml`` names them (no ``.md``), in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    parts = toc.get("parts") or [{"chapters": toc.get("chapters", [])}]
    return [toc["root"]] + [entry["file"] for entry in parts[0]["chapters"]]


def core_counts(root: Path = ROOT) -> dict[str, int]:
    return {page: count_words((root / f"{page}.md").read_text(encoding="utf-8"))
            for page in core_pages(root)}


def report(counts: dict[str, int]) -> str:
    """A table of the counts against their limits."""
    lines = [f"{'page':28} {'words':>6} {'limit':>6}"]
    lines += [f"{page:28} {words:6d} {PAGE_LIMITS.get(page, PAGE_LIMIT):6d}"
              for page, words in counts.items()]
    return "\n".join([*lines, f"{'core path':28} {sum(counts.values()):6d} {TOTAL_LIMIT:6d}"])


def test_prose_leaves_out_code_math_and_markup():
    page = (
        "---\ntitle: x\n---\n# Two words\n\n"
        "```{code-cell} ipython3\nmany words of code here\n```\n\n"
        "$$\na + b\n$$\n\n"
        "Inline $x_{nd}$ math and {doc}`a page <jacobian>` count once each.\n\n"
        ":::{note}\n:class: dropdown\nNoted.\n:::\n<!-- hidden words -->\n"
    )
    # Two + words + Inline X math and X count once each + Noted
    assert count_words(page) == 2 + 8 + 1


@pytest.mark.parametrize("page", toc_pages())
def test_every_page_within_its_limits(page):
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    words, limit = count_words(text), PAGE_LIMITS.get(page, PAGE_LIMIT)
    assert 0 < words <= limit, f"{page}.md has {words} prose words, limit {limit}"
    assert len(text.splitlines()) <= LINE_LIMIT, f"{page}.md is over {LINE_LIMIT} lines"


def test_core_path_starts_at_the_root_page_and_is_one_sitting():
    pages = core_pages()
    assert pages[0] == "intro"
    assert len(pages) == len(set(pages)) >= 2
    counts = core_counts()
    print("\n" + report(counts))
    assert sum(counts.values()) <= TOTAL_LIMIT, report(counts)


if __name__ == "__main__":
    print(report(core_counts()))
