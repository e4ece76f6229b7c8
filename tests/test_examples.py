"""Every script in ``examples/`` runs, with tiny models, and prints what it promises."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name, cwd):
    env = dict(os.environ, SKAUGMENT_EXAMPLES_QUICK="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_every_example_is_tested():
    tested = {"metric_control.py", "knowledge_augmentation.py", "grid_search_ratio.py",
              "hybrid_augmentation.py", "select_augmentation.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_metric_control_example(tmp_path):
    pytest.importorskip("matplotlib")
    out = _run("metric_control.py", tmp_path)
    rows = re.findall(r"^(acc|gyro)__(\w+)\s+3\s+(-?[\d.]+)\s+([\d.]+)\s+(-?[\d.]+)$", out, re.M)
    assert len(rows) == 10  # 2 modalities x 5 metrics, 3 channels each
    # Even a 2-epoch model follows temporal range closely: metric guidance does the work.
    spearman = {f"{mod}__{metric}": float(s) for mod, metric, s, _, _ in rows}
    assert spearman["acc__temporal_range"] > 0.8 and spearman["gyro__temporal_range"] > 0.8
    assert (tmp_path / "metric_control_example.png").stat().st_size > 10_000


def test_knowledge_augmentation_example(tmp_path):
    out = _run("knowledge_augmentation.py", tmp_path)
    changes = {m: (float(r), float(s)) for m, r, s in
               re.findall(r"^(\w+)\s+([+-][\d.]+)%\s+([+-][\d.]+)%$", out, re.M)}
    assert set(changes) == {"temporal_range", "f0_amplitude", "contrast", "flatness", "entropy"}
    assert changes["temporal_range"][0] == 0.0 and changes["entropy"][0] == 0.0
    # Requested medians lie inside the ranges, and the output moves the same way.
    for metric in ("contrast", "f0_amplitude"):
        requested, measured = changes[metric]
        assert 10 <= requested <= 40 and measured > 5, (metric, changes[metric])
    requested, measured = changes["flatness"]
    assert -40 <= requested <= -10 and measured < -5


def test_grid_search_ratio_example(tmp_path):
    out = _run("grid_search_ratio.py", tmp_path)
    scores = re.findall(r"^ratio\s+([\d.]+): accuracy ([\d.]+) ± ([\d.]+)", out, re.M)
    assert [float(r) for r, _, _ in scores] == [0.5, 1.0, 2.0]
    # six classes (chance about 1/6); even the 2-epoch models are well above it
    assert all(float(acc) > 0.3 for _, acc, _ in scores), scores
    assert "best: {'metricdisturbaugmenter__ratio':" in out


def test_hybrid_augmentation_example(tmp_path):
    out = _run("hybrid_augmentation.py", tmp_path)
    accs = dict(re.findall(r"^(none|hybrid)\s+accuracy ([\d.]+)$", out, re.M))
    assert set(accs) == {"none", "hybrid"}
    assert all(float(a) > 0.3 for a in accs.values()), accs  # chance is about 1/6
    per_real = float(re.search(r"\(([\d.]+) per real window\)", out).group(1))
    assert per_real == 5.0
    # the edit lands close to the requested metrics
    assert float(re.search(r"edit: ([\d.]+)%", out).group(1)) < 10


def test_select_augmentation_example(tmp_path):
    pytest.importorskip("aeon")
    out = _run("select_augmentation.py", tmp_path)
    rows = dict(re.findall(r"^  (\S+)\s+([\d.]+) ± [\d.]+", out, re.M))
    assert set(rows) == {"none", "transforms@ratio=1", "time-freq@ratio=1", "mixup@ratio=1"}
    (selected,) = re.findall(r"^selected: (\S+)$", out, re.M)
    assert selected in rows
    none, chosen = (float(a) for a in re.findall(r"accuracy ([\d.]+)$", out, re.M))
    # MiniRocket on six activities of unseen subjects: far above chance (about 1/6)
    assert none > 0.6 and chosen > 0.6
    if selected == "none":
        assert chosen == none
