"""The API reference builds offline with no warning (what ``make docs`` runs), and the
Markdown pages' relative links lead somewhere."""

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# the newcomer's page, the guide it sends readers to, and the pages text moved into
LINKED_PAGES = ("README.md", "docs/usage.md", "docs/results.md", "examples/README.md")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")


def test_sphinx_builds_the_api_reference_without_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    api = (tmp_path / "html" / "api.html").read_text()
    for name in ("compare_augmenters", "SignalTransformAugmenter", "WindowMetricEditAugmenter",
                 "MixupAugmenter", "SpectrogramMetricEditSampler", "DeepSenseClassifier"):
        assert name in api, name


def _links(text):
    """Link targets of a Markdown text, outside code blocks and code spans."""
    text = _CODE.sub("", _FENCE.sub("", text))
    return _LINK.findall(text)


def _anchors(text):
    """GitHub's anchors of a Markdown page's headings (``## A, b`` -> ``a-b``)."""
    seen, anchors = {}, set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _FENCE.sub("", text), re.M):
        slug = "".join(c for c in heading.strip().lower()
                       if c in " -_" or unicodedata.category(c)[0] in "LN").replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def test_links_helpers():
    assert _links("[a](b.md) `[c](d.md)` ![e](f.png \"t\") [g](https://x)\n```\n[h](i)\n```") == [
        "b.md", "f.png", "https://x"]
    assert _anchors("# Use it\n## Beyond one machine\n## A, `b` (2026-11-23/24)\n## Use it") == {
        "use-it", "beyond-one-machine", "a-b-2026-11-2324", "use-it-1"}


@pytest.mark.parametrize("page", LINKED_PAGES)
def test_relative_links_point_at_existing_files(page):
    path = ROOT / page
    broken = []
    for target in _links(path.read_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, ...
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            broken.append(f"{target}: no file {os.path.relpath(linked, ROOT)}")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text()):
            broken.append(f"{target}: no heading with anchor #{anchor} in "
                          f"{os.path.relpath(linked, ROOT)}")
    assert not broken, f"{page}: " + "; ".join(broken)
