"""The printed chapter (`make pdf`, _ext/jacobian_book/print_pdf.py), printed once, read back."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from jacobian_book.print_pdf import print_book, printed_pages

pytestmark = pytest.mark.slow

PAGES = printed_pages()
#: What must never be printed: TeX that was not typeset, or a failed reference.
RAW = re.compile(r"\$\$|\\begin|\\frac|\\mathbf|\\\(|\\\[|\?\?|\bundefined\b")


def _flat(text: str) -> str:
    # NFKC undoes the ligatures (ﬀ) that the PDF's fonts use.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@pytest.fixture(scope="module")
def pdf(site: Path, chromium_browser, tmp_path_factory) -> PdfReader:
    out = print_book(site, tmp_path_factory.mktemp("pdf") / "jacobian.pdf",
                     browser=chromium_browser)
    return PdfReader(out)


@pytest.fixture(scope="module")
def sheets(pdf: PdfReader) -> list[str]:
    return [_flat(page.extract_text()) for page in pdf.pages]


def _article(site: Path, docname: str):
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    return soup.select_one("article.bd-article")


def test_every_heading_of_the_printed_pages_is_printed(site, sheets):
    # Without white space: a heading may wrap after its en dash (vector-Jacobian).
    text = re.sub(r"\s", "", " ".join(sheets))
    missing = []
    for docname in PAGES:
        for heading in _article(site, docname).find_all(["h1", "h2", "h3"]):
            title = _flat(heading.get_text(" ").replace("#", ""))
            if re.sub(r"\s", "", title) not in text:
                missing.append(f"{docname}: {title}")
    assert missing == []


def test_no_raw_tex_or_broken_reference_is_printed(sheets):
    found = [(n, m[0]) for n, sheet in enumerate(sheets, 1) for m in RAW.finditer(sheet)]
    assert found == [], f"(sheet, text) printed raw: {found[:10]}"


def _image_sizes(pdf: PdfReader) -> list[tuple[int, int]]:
    """(width, height) in pixels of each image the pages draw, read without decoding."""
    sizes = []
    for page in pdf.pages:
        for xobject in page["/Resources"].get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Image":
                sizes.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return sizes


def test_every_figure_is_an_image_in_the_pdf_at_its_full_resolution(site, pdf):
    """Each <img> of the printed pages is in the PDF with all its pixels (PNGs at 2x)."""
    from PIL import Image

    figures = {img["src"].rsplit("/", 1)[-1]
               for docname in PAGES for img in _article(site, docname).find_all("img")}
    assert figures, "the printed pages have no figure: is the core path still there?"
    sizes = sorted(Image.open(site / "_images" / name).size for name in figures)
    printed = sorted(_image_sizes(pdf))
    assert printed == sizes, f"figures (pixels) on the pages {sizes}, in the PDF {printed}"


def test_no_theme_chrome_and_the_explorer_gives_way(sheets):
    text = " ".join(sheets)
    chrome = ["Show code cell source", "Skip to main content", "Ctrl", "Back to top",
              "Launch", "Suggest edit"]
    assert [word for word in chrome if word in text] == []
    assert "The interactive explorer runs on the website" in text


def test_page_count_contents_and_page_numbers(site, sheets):
    # A title page and a contents list, then at least a sheet per page; an
    # upper bound catches a layout that spreads (one line per sheet).
    assert len(PAGES) + 2 <= len(sheets) <= 20 * len(PAGES)
    total = len(sheets)
    for number, sheet in enumerate(sheets, 1):
        assert f"{number} / {total}" in sheet, f"sheet {number} has no page number"
    # The contents list: each page's title and the sheet it starts on, rising.
    contents = sheets[1].split("Contents", 1)[1]
    starts = [int(n) for n in re.findall(r" (\d+)(?= |$)", contents)][: len(PAGES)]
    assert len(starts) == len(PAGES) and starts == sorted(starts) and starts[0] == 3, contents
    for docname, start in zip(PAGES, starts, strict=True):
        title = _flat(_article(site, docname).find("h1").get_text(" ").replace("#", ""))
        assert sheets[start - 1].startswith(title), (
            f"the contents send {docname} to sheet {start}, which starts otherwise")
