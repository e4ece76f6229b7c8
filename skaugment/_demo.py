"""The main job: cross-subject HAR on HAPT, with and without metric-space augmentation.

:func:`compare_augmentation` is the experiment (one subject split, any techniques,
ratios and classifiers); :func:`run_demo` is ``skaugment demo``; the downstream
benchmark (``benchmarks/bench_downstream.py``) runs the same experiment over seeds.
"""

import json
import os
import time

import numpy as np

__all__ = ["run_demo", "compare_augmentation", "split_subjects", "DEMO_PRESETS"]

# Sizes measured to fit the time budgets on a 2-core CPU: the full run within 30 minutes,
# --quick within 3 minutes (see README, "The demo").
DEMO_PRESETS = {
    "full": {
        "n_train_subjects": 5,
        "n_test_subjects": None,
        "ratio": 5.0,
        "generator": {},
        "classifier": {},
    },
    "quick": {
        "n_train_subjects": 2,
        "n_test_subjects": 3,
        "ratio": 2.0,
        "generator": {"max_epochs": 3, "base_channels": 8},
        "classifier": {"max_epochs": 4},
    },
}

STFT_PARAMS = {"n_fft": 32, "hop_length": 8}
BUDGETS = ("equal-epochs", "equal-steps")

# Case study 1 of seed 000: more contrast and F0 amplitude, less flatness.
KNOWLEDGE_RANGES = {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1), "f0_amplitude": (0.1, 0.4)}


def make_classifier(name, modalities, random_state, **params):
    """A downstream classifier by its CLI name."""
    from skaugment import DeepSenseClassifier, SATSDUClassifier, TransformerClassifier

    if name == "deepsense":
        return DeepSenseClassifier(modalities=modalities, random_state=random_state, **params)
    if name == "transformer":
        return TransformerClassifier(modalities=modalities, random_state=random_state, **params)
    if name == "satsdu":
        return SATSDUClassifier(random_state=random_state, **params)
    raise ValueError(f"unknown classifier {name!r}; use deepsense, transformer or satsdu.")


def make_augmenter(technique, generator, ratio, random_state):
    """A metric-space augmenter around an already fitted generator, by its CLI name."""
    from skaugment import (
        MetricDisturbAugmenter,
        MetricInterpolationAugmenter,
        MetricKnowledgeAugmenter,
    )

    common = {"generator": generator, "ratio": ratio, "prefit": True, "random_state": random_state}
    if technique == "disturb":
        return MetricDisturbAugmenter(**common)
    if technique == "interp":
        return MetricInterpolationAugmenter(**common)
    if technique == "knowledge":
        return MetricKnowledgeAugmenter(ranges=KNOWLEDGE_RANGES, **common)
    raise ValueError(f"unknown technique {technique!r}; use interp, disturb or knowledge.")


def split_subjects(groups, n_train, n_test, seed):
    """Seeded subject split: ``n_train`` training subjects, ``n_test`` (None: all) others."""
    subjects = np.unique(groups)
    if n_train >= len(subjects):
        raise ValueError(
            f"--train-subjects={n_train} leaves no test subject; the data has {len(subjects)}."
        )
    order = np.random.RandomState(seed).permutation(subjects)
    train = np.sort(order[:n_train])
    rest = order[n_train:]
    test = np.sort(rest if n_test is None else rest[:n_test])
    return train, test


def _scores(y_true, y_pred, labels):
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=labels)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


class _Stages:
    """Times named stages and reports them as they finish."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.seconds = {}

    def __call__(self, name, func, *args, **kwargs):
        if self.verbose:
            print(f"  {name} ...", flush=True)
        start = time.perf_counter()
        out = func(*args, **kwargs)
        self.seconds[name] = round(time.perf_counter() - start, 2)
        if self.verbose:
            print(f"  {name}: {self.seconds[name]:.1f} s", flush=True)
        return out


def compare_augmentation(data, train_subjects, test_subjects, *, techniques=("disturb",),
                         ratios=(5.0,), classifiers=("deepsense",), seed=0,
                         generator_params=None, classifier_params=None,
                         budget="equal-epochs", verbose=1):
    """Train on some subjects, test on others, with and without augmentation.

    One generator is fitted on the training subjects' spectrograms and reused (prefit)
    by every technique and ratio. Every classifier is trained once without
    augmentation and once per (technique, ratio).

    Parameters
    ----------
    data : Bunch
        As returned by :func:`skaugment.datasets.load_hapt`.
    train_subjects, test_subjects : array-like of int
    techniques : sequence of {"interp", "disturb", "knowledge"}
    ratios : sequence of float
    classifiers : sequence of {"deepsense", "transformer", "satsdu"}
    seed : int
        Seeds the generator, the augmenters and the classifiers.
    generator_params, classifier_params : dict, default=None
        Passed to :class:`~skaugment.ConditionalDiffusionSampler` and to every
        classifier (e.g. ``{"max_epochs": 10}``).
    budget : {"equal-epochs", "equal-steps"}
        ``"equal-epochs"``: every classifier trains for the same number of epochs, so
        augmented data also means more gradient steps (the protocol of seed 000).
        ``"equal-steps"``: the augmented classifiers' epochs are divided by
        ``1 + ratio`` (rounded, at least 1), so all see about the same number of
        gradient steps and the comparison isolates the data.
    verbose : int

    Returns
    -------
    result : dict
        ``scores[classifier][method]`` (accuracy, macro-F1, confusion matrix) with
        methods ``"none"`` and ``"diff-{technique}-x{ratio:g}"``, ``seconds`` per stage,
        ``n_train``, ``n_test``, ``n_synthetic`` per method, and under ``"_fitted"`` the
        fitted generator and the training spectrograms (not serialisable).
    """
    from skaugment import ConditionalDiffusionSampler, SpectrogramTransformer

    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}.")
    generator_params = dict(generator_params or {})
    classifier_params = dict(classifier_params or {})
    train = np.isin(data.groups, train_subjects)
    test = np.isin(data.groups, test_subjects)
    labels = np.unique(data.target)
    stages = _Stages(verbose)
    stft = SpectrogramTransformer(fs=data.fs, modalities=data.modalities,
                                  channel_names=data.channel_names, **STFT_PARAMS)
    S_train = stages("spectrograms", stft.fit_transform, data.data[train])
    S_test = stft.transform(data.data[test])
    y_train, y_test = data.target[train], data.target[test]

    generator = ConditionalDiffusionSampler(
        modalities=data.modalities, channel_names=data.channel_names, random_state=seed,
        verbose=verbose, **generator_params)
    stages("fit diffusion generator", generator.fit, S_train, y_train)
    train_sets = {"none": (S_train, y_train, 1.0)}
    n_synthetic = {"none": 0}
    for technique in techniques:
        for ratio in ratios:
            method = f"diff-{technique}-x{ratio:g}"
            augmenter = make_augmenter(technique, generator, ratio, seed)
            S_aug, y_aug = stages(f"generate {method}", augmenter.fit_resample, S_train, y_train)
            train_sets[method] = (S_aug, y_aug, 1.0 + ratio)
            n_synthetic[method] = int(augmenter.synthetic_mask_.sum())

    scores = {}
    for name in classifiers:
        scores[name] = {}
        base_epochs = classifier_params.get(
            "max_epochs", make_classifier(name, data.modalities, seed).max_epochs)
        for method, (S_fit, y_fit, growth) in train_sets.items():
            params = dict(classifier_params, max_epochs=base_epochs)
            if budget == "equal-steps":
                params["max_epochs"] = max(1, int(round(base_epochs / growth)))
            clf = make_classifier(name, data.modalities, seed, **params)
            stages(f"fit {name} on {method}", clf.fit, S_fit, y_fit)
            scores[name][method] = _scores(y_test, clf.predict(S_test), labels)
    return {
        "seed": int(seed),
        "train_subjects": np.asarray(train_subjects).tolist(),
        "test_subjects": np.asarray(test_subjects).tolist(),
        "n_train": int(train.sum()),
        "n_test": int(test.sum()),
        "n_synthetic": n_synthetic,
        "budget": budget,
        "generator_params": {k: v for k, v in generator.get_params().items()
                             if isinstance(v, (int, float, str, bool, type(None), dict))},
        "scores": scores,
        "seconds": stages.seconds,
        "_fitted": {"generator": generator, "S": S_train, "y": y_train},
    }


def summarise(runs):
    """Mean and std over runs of accuracy and macro-F1, per classifier and method."""
    out = {}
    for name, methods in runs[0]["scores"].items():
        out[name] = {}
        for method in methods:
            acc = np.array([r["scores"][name][method]["accuracy"] for r in runs])
            f1 = np.array([r["scores"][name][method]["macro_f1"] for r in runs])
            out[name][method] = {"accuracy_mean": float(acc.mean()), "accuracy_std": float(acc.std()),
                                 "macro_f1_mean": float(f1.mean()), "macro_f1_std": float(f1.std()),
                                 "n_runs": len(runs)}
    return out


def format_results(summary):
    """Render the per-method mean (and std over seeds) as a text table."""
    lines = [f"{'classifier':<12}{'method':<22}{'accuracy':>18}{'macro-F1':>18}"]
    for name, methods in summary["summary"].items():
        for method, s in methods.items():
            lines.append(f"{name:<12}{method:<22}"
                         f"{s['accuracy_mean']:>11.3f} ± {s['accuracy_std']:.3f}"
                         f"{s['macro_f1_mean']:>11.3f} ± {s['macro_f1_std']:.3f}")
    lines.append("")
    lines.append("seconds per stage (last seed):")
    for name, sec in summary["runs"][-1]["seconds"].items():
        lines.append(f"  {name:<40}{sec:>8.1f}")
    return "\n".join(lines)


def run_demo(*, quick=False, ratio=None, n_train_subjects=None, n_test_subjects=None, seeds=(0,),
             technique="disturb", classifier="deepsense", budget="equal-steps", strength=None,
             output="skaugment_output", data_path=None, figure=True, verbose=1):
    """Run the demo and return its results (also written to ``output/results.json``).

    Parameters mirror ``skaugment demo --help``; ``None`` takes the preset's value.
    """
    from skaugment.datasets import load_hapt

    preset = DEMO_PRESETS["quick" if quick else "full"]
    ratio = preset["ratio"] if ratio is None else ratio
    n_train = preset["n_train_subjects"] if n_train_subjects is None else n_train_subjects
    n_test = preset["n_test_subjects"] if n_test_subjects is None else n_test_subjects
    generator_params = dict(preset["generator"])
    if strength is not None:
        generator_params["strength"] = strength

    start = time.perf_counter()
    hapt = load_hapt(path=data_path)
    load_seconds = time.perf_counter() - start
    runs, fitted = [], None
    for seed in seeds:
        train_subj, test_subj = split_subjects(hapt.groups, n_train, n_test, seed)
        if verbose:
            print(f"seed {seed}: training subjects {train_subj.tolist()}, "
                  f"{len(test_subj)} test subjects", flush=True)
        run = compare_augmentation(
            hapt, train_subj, test_subj, techniques=(technique,), ratios=(ratio,),
            classifiers=(classifier,), seed=seed, generator_params=generator_params,
            classifier_params=preset["classifier"], budget=budget, verbose=verbose)
        fitted = run.pop("_fitted")
        runs.append(run)

    summary = {
        "config": {"quick": quick, "ratio": ratio, "technique": technique,
                   "classifier": classifier, "budget": budget,
                   "generator_params": generator_params, "n_train_subjects": n_train,
                   "n_test_subjects": n_test, "stft": STFT_PARAMS, "seeds": list(seeds),
                   "load_seconds": round(load_seconds, 2),
                   "total_seconds": round(time.perf_counter() - start, 2)},
        "labels": np.unique(hapt.target).tolist(),
        "summary": summarise(runs),
        "runs": runs,
    }
    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "results.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    print(format_results(summary))
    print(f"total: {summary['config']['total_seconds']:.0f} s")
    if figure:
        paths = _save_figures(summary, fitted, output, seeds[-1])
        if paths:
            print("figures: " + ", ".join(paths))
    print(f"results: {os.path.join(output, 'results.json')}")
    return summary


def _save_figures(summary, fitted, output, seed):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install skaugment[plot]); no figure written.")
        return []
    from skaugment.plotting import plot_metric_control

    paths = []
    fig = plot_metric_control(fitted["generator"], fitted["S"], fitted["y"], random_state=seed)
    path = os.path.join(output, "metric_control.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    paths.append(path)

    labels = summary["labels"]
    ((name, scores),) = summary["runs"][-1]["scores"].items()
    fig, axes = plt.subplots(1, len(scores), figsize=(5.2 * len(scores), 4.6))
    for ax, (method, sc) in zip(np.atleast_1d(axes), scores.items()):
        cm = np.asarray(sc["confusion_matrix"], dtype=float)
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
        short = [lab[:10] for lab in labels]
        ax.set_xticks(range(len(labels)), short, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), short, fontsize=7)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, f"{cm[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if cm[i, j] > 0.5 else "black")
        ax.set_title(f"{name}, {method}: acc {sc['accuracy']:.3f}, macro-F1 {sc['macro_f1']:.3f}",
                     fontsize=9)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    fig.tight_layout()
    path = os.path.join(output, "confusion_matrices.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)
    return paths
