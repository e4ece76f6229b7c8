"""The API reference builds offline with no warning (what ``make docs`` runs)."""

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_sphinx_builds_the_api_reference_without_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    api = (tmp_path / "html" / "api.html").read_text()
    for name in ("compare_augmenters", "SignalTransformAugmenter", "MetricEditAugmenter",
                 "MixupAugmenter", "MetricEditSampler", "DeepSenseClassifier"):
        assert name in api, name
