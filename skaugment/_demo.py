"""The main job: cross-subject HAR on HAPT, with and without metric-space augmentation."""

import json
import os
import time

import numpy as np

__all__ = ["run_demo", "DEMO_PRESETS"]

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

_STFT = {"n_fft": 32, "hop_length": 8}


def _make_classifier(name, modalities, random_state, params):
    from skaugment import DeepSenseClassifier, SATSDUClassifier, TransformerClassifier

    if name == "deepsense":
        return DeepSenseClassifier(modalities=modalities, random_state=random_state, **params)
    if name == "transformer":
        return TransformerClassifier(modalities=modalities, random_state=random_state, **params)
    return SATSDUClassifier(random_state=random_state, **params)


def _make_augmenter(technique, generator, ratio, random_state):
    from skaugment import (
        MetricDisturbAugmenter,
        MetricInterpolationAugmenter,
        MetricKnowledgeAugmenter,
    )

    if technique == "disturb":
        return MetricDisturbAugmenter(generator=generator, ratio=ratio, prefit=True,
                                      random_state=random_state)
    if technique == "interp":
        return MetricInterpolationAugmenter(generator=generator, ratio=ratio, prefit=True,
                                            random_state=random_state)
    # Case study 1 of seed 000: more contrast and F0 amplitude, less flatness.
    return MetricKnowledgeAugmenter(
        generator=generator, ratio=ratio, prefit=True, random_state=random_state,
        ranges={"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1), "f0_amplitude": (0.1, 0.4)},
    )


def _split_subjects(groups, n_train, n_test, seed):
    subjects = np.unique(groups)
    if n_train >= len(subjects):
        raise ValueError(
            f"--train-subjects={n_train} leaves no test subject; HAPT has {len(subjects)}."
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


def run_demo(*, quick=False, ratio=None, n_train_subjects=None, n_test_subjects=None, seeds=(0,),
             technique="disturb", classifier="deepsense", output="skaugment_output",
             data_path=None, figure=True, verbose=1):
    """Run the demo and return its results (also written to ``output/results.json``).

    Parameters mirror ``skaugment demo --help``; ``None`` takes the preset's value.
    """
    from skaugment import ConditionalDiffusionSampler, SpectrogramTransformer
    from skaugment.datasets import load_hapt

    preset = DEMO_PRESETS["quick" if quick else "full"]
    ratio = preset["ratio"] if ratio is None else ratio
    n_train = preset["n_train_subjects"] if n_train_subjects is None else n_train_subjects
    n_test = preset["n_test_subjects"] if n_test_subjects is None else n_test_subjects

    t0 = time.perf_counter()
    hapt = load_hapt(path=data_path)
    load_seconds = time.perf_counter() - t0
    labels = np.unique(hapt.target)
    runs = []
    for seed in seeds:
        train_subj, test_subj = _split_subjects(hapt.groups, n_train, n_test, seed)
        train = np.isin(hapt.groups, train_subj)
        test = np.isin(hapt.groups, test_subj)
        if verbose:
            print(f"seed {seed}: training subjects {train_subj.tolist()} ({train.sum()} windows), "
                  f"{len(test_subj)} test subjects ({test.sum()} windows)", flush=True)
        stages = _Stages(verbose)
        stft = SpectrogramTransformer(fs=hapt.fs, modalities=hapt.modalities,
                                      channel_names=hapt.channel_names, **_STFT)
        S_train = stages("spectrograms", stft.fit_transform, hapt.data[train])
        S_test = stft.transform(hapt.data[test])
        y_train, y_test = hapt.target[train], hapt.target[test]

        results = {}
        base = _make_classifier(classifier, hapt.modalities, seed, preset["classifier"])
        stages("fit classifier, no augmentation", base.fit, S_train, y_train)
        results["none"] = _scores(y_test, base.predict(S_test), labels)

        generator = ConditionalDiffusionSampler(
            modalities=hapt.modalities, channel_names=hapt.channel_names, random_state=seed,
            verbose=verbose, **preset["generator"])
        stages("fit diffusion generator", generator.fit, S_train, y_train)
        augmenter = _make_augmenter(technique, generator, ratio, seed)
        S_aug, y_aug = stages(f"generate x{ratio:g} ({technique})", augmenter.fit_resample,
                              S_train, y_train)
        aug = _make_classifier(classifier, hapt.modalities, seed, preset["classifier"])
        stages(f"fit classifier, diff-{technique}", aug.fit, S_aug, y_aug)
        results[f"diff-{technique}"] = _scores(y_test, aug.predict(S_test), labels)

        runs.append({
            "seed": int(seed),
            "train_subjects": train_subj.tolist(),
            "test_subjects": test_subj.tolist(),
            "n_train": int(train.sum()),
            "n_test": int(test.sum()),
            "n_synthetic": int(augmenter.synthetic_mask_.sum()),
            "scores": results,
            "seconds": stages.seconds,
        })
        last = {"generator": generator, "S": S_train, "y": y_train, "stft": stft}

    summary = {
        "config": {"quick": quick, "ratio": ratio, "technique": technique,
                   "classifier": classifier, "n_train_subjects": n_train,
                   "n_test_subjects": n_test, "stft": _STFT, "seeds": list(seeds),
                   "load_seconds": round(load_seconds, 2)},
        "labels": labels.tolist(),
        "runs": runs,
    }
    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "results.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    print(format_results(summary))
    if figure:
        paths = _save_figures(summary, last, output, seeds[-1])
        if paths:
            print("figures: " + ", ".join(paths))
    print(f"results: {os.path.join(output, 'results.json')}")
    return summary


def format_results(summary):
    """Render the per-method mean (and std over seeds) of accuracy and macro-F1 as a text table."""
    methods = list(summary["runs"][0]["scores"])
    lines = [f"{'method':<18}{'accuracy':>18}{'macro-F1':>18}"]
    for method in methods:
        acc = np.array([r["scores"][method]["accuracy"] for r in summary["runs"]])
        f1 = np.array([r["scores"][method]["macro_f1"] for r in summary["runs"]])
        lines.append(f"{method:<18}{acc.mean():>11.3f} ± {acc.std():.3f}"
                     f"{f1.mean():>11.3f} ± {f1.std():.3f}")
    lines.append("")
    lines.append("seconds per stage (last seed):")
    for name, sec in summary["runs"][-1]["seconds"].items():
        lines.append(f"  {name:<40}{sec:>8.1f}")
    return "\n".join(lines)


def _save_figures(summary, last, output, seed):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install skaugment[plot]); no figure written.")
        return []
    from skaugment.plotting import plot_metric_control

    paths = []
    fig = plot_metric_control(last["generator"], last["S"], last["y"], random_state=seed)
    path = os.path.join(output, "metric_control.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    paths.append(path)

    labels = summary["labels"]
    scores = summary["runs"][-1]["scores"]
    fig, axes = plt.subplots(1, len(scores), figsize=(5.2 * len(scores), 4.6))
    for ax, (method, sc) in zip(np.atleast_1d(axes), scores.items()):
        cm = np.asarray(sc["confusion_matrix"], dtype=float)
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
        ax.set_xticks(range(len(labels)), [lab[:10] for lab in labels], rotation=60, ha="right",
                      fontsize=7)
        ax.set_yticks(range(len(labels)), [lab[:10] for lab in labels], fontsize=7)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, f"{cm[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if cm[i, j] > 0.5 else "black")
        ax.set_title(f"{method}: acc {sc['accuracy']:.3f}, macro-F1 {sc['macro_f1']:.3f}",
                     fontsize=9)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    fig.tight_layout()
    path = os.path.join(output, "confusion_matrices.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)
    return paths
