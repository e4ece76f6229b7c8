"""The main job: ``skaugment demo --quick`` end to end, and its argument handling."""

import json
import subprocess
import sys

import numpy as np
import pytest

from skaugment._cli import build_parser, main


def test_quick_demo_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    # the quick preset end to end; DeepSense's 60 steps cut to 24 (4 fits of it were
    # most of this test's 6 minutes on shared cores)
    assert main(["demo", "--quick", "--n-steps", "24", "--quiet", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| transforms-edit |" in printed and "| diff-disturb |" in printed

    results = json.loads((out / "results.json").read_text())
    assert results["config"]["preset"] == "quick"
    records = results["records"]
    assert {r["method"] for r in records} == {"none", "time-freq", "transforms-edit", "diff-disturb"}
    n_labels = len(results["config"]["labels"])
    for r in records:
        assert len(r["train_groups"]) == 2 and r["split"] == 0 and r["seed"] == 0
        cm = np.asarray(r["confusion_matrix"])
        assert cm.sum() == r["n_test"]
        assert r["accuracy"] == pytest.approx(np.trace(cm) / cm.sum())
        # ratio 2, rounded per class
        expected = 0 if r["method"] == "none" else 2 * r["n_train"]
        assert abs(r["n_synthetic"] - expected) <= n_labels
        # every method gets exactly the same gradient steps
        assert r["budget"]["n_steps"] == 24
        # six classes: chance is about 1/6; a trained model is far above it
        assert r["accuracy"] > 0.35, r["method"]
        if r["method"] != "none":
            assert r["tstr"] > 0.2, r["method"]
    summary = results["summary"]
    assert summary["none"]["reference"] and summary["transforms-edit"]["diff"]["n"] == 1
    for name in ("paired_differences.png", "confusion_matrices.png", "metric_control.png"):
        assert (out / name).stat().st_size > 10_000, name
    assert (out / "comparison.md").read_text().startswith("| method |")


def test_compare_runs_named_methods_on_more_splits(tmp_path):
    out = tmp_path / "cmp"
    # what is tested is the splits' plumbing: DeepSense trains 4 steps a run
    assert main(["compare", "--quick", "--methods", "mixup", "--splits", "2", "--n-steps", "4",
                 "--quiet", "--no-figure", "--no-diagnostics", "--output", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert sorted({(r["method"], r["split"]) for r in results["records"]}) == [
        ("mixup", 0), ("mixup", 1), ("none", 0), ("none", 1)]
    groups = [tuple(r["train_groups"]) for r in results["records"] if r["method"] == "none"]
    assert groups[0] != groups[1]


@pytest.mark.parametrize("argv", [["demo", "--ratio", "0"], ["demo", "--train-subjects", "-1"],
                                  ["demo", "--methods", "smote"],
                                  ["compare", "--preset", "huge"], ["compare", "--quick", "--preset", "demo"], ["demo", "--strength", "0"],
                                  ["demo", "--strength", "1.5"], []])
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2


def test_module_entry_point_prints_help():
    done = subprocess.run([sys.executable, "-m", "skaugment", "demo", "--help"],
                          capture_output=True, text=True, check=True)
    assert "--quick" in done.stdout and "--methods" in done.stdout


def test_version_flag(capsys):
    from skaugment import __version__

    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--version"])
    assert exc.value.code == 0 and __version__ in capsys.readouterr().out
