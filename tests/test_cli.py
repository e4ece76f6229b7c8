"""The main job: ``skaugment demo --quick`` end to end, and its argument handling."""

import json
import subprocess
import sys

import numpy as np
import pytest

from skaugment._cli import build_parser, main
from skaugment._demo import split_subjects


def test_quick_demo_runs_end_to_end(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--quiet", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "diff-disturb-x2" in printed and "accuracy" in printed

    summary = json.loads((out / "results.json").read_text())
    assert summary["config"]["quick"] is True
    (run,) = summary["runs"]
    assert len(run["train_subjects"]) == 2 and len(run["test_subjects"]) == 3
    assert not set(run["train_subjects"]) & set(run["test_subjects"])
    # ratio 2 per class, rounded per class
    assert abs(run["n_synthetic"]["diff-disturb-x2"] - 2 * run["n_train"]) <= len(summary["labels"])
    assert set(run["scores"]["deepsense"]) == {"none", "diff-disturb-x2"}
    for method, scores in run["scores"]["deepsense"].items():
        cm = np.asarray(scores["confusion_matrix"])
        assert cm.sum() == run["n_test"]
        assert scores["accuracy"] == pytest.approx(np.trace(cm) / cm.sum())
        # six balanced-ish classes: chance is about 1/6; a trained model is far above it
        assert scores["accuracy"] > 0.4, method
    assert (out / "metric_control.png").stat().st_size > 10_000
    assert (out / "confusion_matrices.png").stat().st_size > 10_000


def test_subject_split_is_seeded_and_disjoint():
    groups = np.repeat(np.arange(1, 31), 3)
    train, test = split_subjects(groups, 5, None, seed=0)
    assert len(train) == 5 and len(test) == 25
    assert not set(train) & set(test)
    np.testing.assert_array_equal(train, split_subjects(groups, 5, None, seed=0)[0])
    assert not np.array_equal(train, split_subjects(groups, 5, None, seed=1)[0])
    with pytest.raises(ValueError, match="leaves no test subject"):
        split_subjects(groups, 30, None, seed=0)


@pytest.mark.parametrize("argv", [["demo", "--ratio", "0"], ["demo", "--train-subjects", "-1"],
                                  ["demo", "--technique", "smote"], ["demo", "--strength", "0"],
                                  ["demo", "--strength", "1.5"], []])
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2


def test_module_entry_point_prints_help():
    done = subprocess.run([sys.executable, "-m", "skaugment", "demo", "--help"],
                          capture_output=True, text=True, check=True)
    assert "--quick" in done.stdout and "--technique" in done.stdout
