"""The main job on HAPT: ``skaugment demo`` and ``skaugment compare``.

Both are presets of :func:`skaugment.evaluation.compare_augmenters`: cross-subject
activity recognition, a classifier trained with and without each augmentation on
the same subjects, seeds and gradient-step budget, scored on held-out subjects.
"""

import json
import os
import time

import numpy as np

__all__ = ["PRESETS", "make_classifier", "run_compare", "run_demo"]

# Sizes measured to fit the time budgets on a 2-core CPU: "demo" within 30 minutes,
# "quick" within 3 minutes (README, "Two commands").
PRESETS = {
    "quick": {
        "n_train_subjects": 2, "n_test_subjects": 3, "n_splits": 1, "ratio": 2.0,
        "methods": ("none", "time-freq", "hybrid", "diff-disturb"),
        "generator": {"max_epochs": 3, "base_channels": 8},
        "classifier": {"n_steps": 60},
        "baseline_multipliers": (),
    },
    "demo": {
        "n_train_subjects": 5, "n_test_subjects": None, "n_splits": 1, "ratio": 5.0,
        "methods": ("none", "time-freq", "hybrid", "diff-disturb"),
        "generator": {}, "classifier": {}, "baseline_multipliers": (),
    },
    "benchmark": {
        "n_train_subjects": 5, "n_test_subjects": None, "n_splits": 5, "ratio": 5.0,
        "methods": ("none", "transforms", "time-freq", "mixup", "metric-edit", "hybrid",
                    "diff-interp", "diff-disturb"),
        "generator": {}, "classifier": {}, "baseline_multipliers": (2.0,),
    },
}


def make_classifier(name, modalities, **params):
    """A downstream classifier by its CLI name."""
    from skaugment import DeepSenseClassifier, SATSDUClassifier, TransformerClassifier

    if name == "deepsense":
        return DeepSenseClassifier(modalities=modalities, **params)
    if name == "transformer":
        return TransformerClassifier(modalities=modalities, **params)
    if name == "satsdu":
        return SATSDUClassifier(modalities=modalities, **params)
    raise ValueError(f"unknown classifier {name!r}; use deepsense, transformer or satsdu.")


def run_compare(*, preset="demo", methods=None, classifier="deepsense", ratio=None,
                n_train_subjects=None, n_test_subjects=None, n_splits=None, n_steps=None,
                strength=None, diagnostics=True, n_jobs=None, output="skaugment_output",
                data_path=None, figure=True, verbose=1):
    """Run a preset of :func:`~skaugment.evaluation.compare_augmenters` on HAPT.

    Parameters mirror ``skaugment compare --help``; ``None`` takes the preset's value.
    Writes ``results.json``, ``comparison.md`` and, with matplotlib, the figures to
    ``output``; returns the :class:`~skaugment.evaluation.AugmentationComparison`.
    """
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import (
        TRANSDUCTIVE_METHODS,
        GroupHoldoutSplit,
        augmentation_methods,
        compare_augmenters,
    )

    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {list(PRESETS)}.")
    cfg = PRESETS[preset]
    methods = tuple(cfg["methods"] if methods is None else methods)
    if "none" not in methods:
        methods = ("none",) + methods
    ratio = cfg["ratio"] if ratio is None else ratio
    classifier_params = dict(cfg["classifier"])
    if n_steps is not None:
        classifier_params["n_steps"] = n_steps

    start = time.perf_counter()
    hapt = load_hapt(path=data_path)
    cv = GroupHoldoutSplit(
        n_train_groups=cfg["n_train_subjects"] if n_train_subjects is None else n_train_subjects,
        n_test_groups=cfg["n_test_subjects"] if n_test_subjects is None else n_test_subjects,
        n_repeats=cfg["n_splits"] if n_splits is None else n_splits)
    generator_params = dict(cfg["generator"], **({} if strength is None else {"strength": strength}))
    steps, stft = augmentation_methods(methods, modalities=hapt.modalities,
                                       channel_names=hapt.channel_names, fs=hapt.fs, ratio=ratio,
                                       generator_params=generator_params)
    clf = make_classifier(classifier, hapt.modalities, **classifier_params)
    if verbose:
        print(f"{preset}: {', '.join(methods)}; {cv!r}; ratio {ratio:g}; {classifier}", flush=True)
        transductive = [m for m in methods if m in TRANSDUCTIVE_METHODS]
        if transductive:
            print(f"transductive: {', '.join(transductive)} also see the test subjects' windows "
                  "(never their labels)", flush=True)
    result = compare_augmenters(
        hapt.data, hapt.target, hapt.groups, steps, clf, preprocessing=stft, cv=cv,
        budget="equal-steps", baseline_multipliers=cfg["baseline_multipliers"],
        diagnostics=diagnostics, n_jobs=n_jobs, verbose=verbose)
    result.config.update({"preset": preset, "ratio": ratio, "classifier_name": classifier,
                          "classifier_params": classifier_params,
                          "stft": {"n_fft": stft.n_fft, "hop_length": stft.hop_length},
                          "generator_params": generator_params,
                          "labels": np.unique(hapt.target).tolist(),
                          "total_seconds": round(time.perf_counter() - start, 1)})

    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "results.json"), "w") as fh:
        json.dump(result.to_dict(), fh, indent=2)
    table = result.to_markdown()
    with open(os.path.join(output, "comparison.md"), "w") as fh:
        fh.write(table)
    print(table)
    print(f"total: {result.config['total_seconds']:.0f} s")
    if figure:
        paths = _save_figures(result, hapt, stft, cv, output)
        if paths:
            print("figures: " + ", ".join(paths))
    print(f"results: {os.path.join(output, 'results.json')}")
    return result


def run_demo(*, quick=False, **kwargs):
    """``skaugment demo``: the ``"demo"`` preset (``"quick"`` with ``quick=True``)."""
    return run_compare(preset="quick" if quick else "demo", **kwargs)


def _save_figures(result, data, stft, cv, output):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install skaugment[plot]); no figure written.")
        return []
    from skaugment.generators import MetricEditSampler
    from skaugment.plotting import (
        plot_confusion_matrices,
        plot_metric_control,
        plot_paired_differences,
    )

    paths = []
    fig = plot_paired_differences(result)
    paths.append(os.path.join(output, "paired_differences.png"))
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)

    last = [r for r in result.records if r["split"] == 0 and r["budget_multiplier"] == 1.0]
    fig = plot_confusion_matrices([r["confusion_matrix"] for r in last], result.config["labels"],
                                  [f"{r['method']}: acc {r['accuracy']:.3f}" for r in last])
    paths.append(os.path.join(output, "confusion_matrices.png"))
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    # what moving a real window in metric space looks like, with the training-free editor
    train, _ = cv.split_groups(data.groups, 0)
    rows = np.flatnonzero(np.isin(data.groups, train))[:200]
    S = stft.fit_transform(data.data[rows])
    editor = MetricEditSampler(modalities=data.modalities, channel_names=data.channel_names)
    fig = plot_metric_control(editor.fit(S, data.target[rows]), S, data.target[rows],
                              random_state=0)
    paths.append(os.path.join(output, "metric_control.png"))
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)
    return paths
