"""Merge pieces of one comparison run in several processes (one split each) into one table.

Usage::

    python benchmarks/merge_compare.py OUT_STEM piece1.json piece2.json ... \
        [--keep-first] [--rename "old name=new name" ...]

Each piece is the ``to_dict()`` of :func:`skaugment.evaluation.compare_augmenters` run
with ``cv=GroupHoldoutSplit(..., random_state=k)`` and ``random_state=k`` (so split ``k``
has the same subjects and seed in every piece). A (method, split) present in several
pieces must have the same accuracy in each (the runs are deterministic), else the merge
stops; with ``--keep-first`` the first piece's record is kept and every disagreement is
listed in the output (e.g. pieces run before and after a change of the library). Writes
``OUT_STEM.json`` and ``OUT_STEM.md`` with the summary, the paired differences of every pair
of methods named in ``PAIRS`` (and of ``bench_deep.py``'s on-the-fly configurations against
offline x5) and the Nadeau-Bengio corrected intervals.
"""

import json
import sys
from pathlib import Path

from skaugment.evaluation import AugmentationComparison

PAIRS = [("hybrid", "transforms"), ("hybrid", "time-freq"), ("hybrid", "metric-edit"),
         ("transforms", "time-freq"), ("hybrid time-freq", "time-freq"),
         ("hybrid time-freq", "hybrid"), ("diff-disturb", "transforms"),
         ("diff-disturb s0.5", "diff-disturb"), ("diff-disturb lf0.9", "diff-disturb"),
         ("diff-interp", "diff-disturb"), ("diff-disturb s0.1", "diff-disturb"),
         ("diff-disturb s0.3", "diff-disturb"), ("diff-disturb s0.7", "diff-disturb"),
         ("diff-disturb x1", "diff-disturb"),
         ("hybrid-target", "time-freq"), ("hybrid-target", "transforms"),
         ("hybrid-target", "target-edit"), ("target-edit", "metric-edit"),
         ("target-edit", "time-freq"), ("diff-target", "diff-disturb"),
         ("diff-target", "target-edit"), ("vae-disturb", "diff-disturb"),
         ("vae-interp", "diff-interp"), ("cvae", "cgan"), ("feature-interp", "mixup"),
         ("sfdm-pretrain", "sfdm"), ("sfdm", "diff-disturb"), ("sensegen", "diff-disturb"),
         # the fast diffusion configuration: its one-step student against its teacher
         ("diff-disturb fast", "diff-disturb fast-teacher"),
         ("diff-disturb-lf fast", "diff-disturb-lf fast-teacher"),
         # the default model against the cheaper configurations, the same splits and seeds
         ("diff-disturb", "diff-disturb fast"), ("diff-disturb-lf", "diff-disturb-lf fast"),
         ("diff-disturb", "diff-disturb mid"), ("diff-disturb-lf", "diff-disturb-lf mid"),
         ("diff-disturb", "diff-disturb fast12"), ("diff-disturb-lf", "diff-disturb-lf fast12"),
         ("diff-disturb mid", "diff-disturb fast"),
         ("diff-disturb-lf mid", "diff-disturb-lf fast"),
         ("sfdm", "sensegen")]


def merge(paths, keep_first=False, rename=None):
    records, seen, config, conflicts = [], {}, {}, []
    rename = rename or {}
    for path in paths:
        data = json.loads(Path(path).read_text())
        config.setdefault("pieces", []).append({"file": str(path), **data["config"]})
        for r in data["records"]:
            # a method renamed since its piece ran
            r["method"] = rename.get(r["method"], r["method"])
            r["base_method"] = rename.get(r.get("base_method"), r.get("base_method"))
            key = (r["method"], r["split"])
            if key in seen:
                if seen[key] != r["accuracy"]:
                    if not keep_first:
                        raise ValueError(f"{key}: accuracy {r['accuracy']} in {path} but "
                                         f"{seen[key]} elsewhere; the pieces do not agree")
                    conflicts.append(f"{key[0]!r}, split {key[1]}: kept {seen[key]:.3f}, "
                                     f"dropped {r['accuracy']:.3f} from {path}")
                continue
            seen[key] = r["accuracy"]
            records.append(r)
    config["conflicts"] = conflicts
    return AugmentationComparison(records, config)


def main():
    argv, rename = sys.argv[1:], {}
    while "--rename" in argv:
        i = argv.index("--rename")
        old, new = argv[i + 1].split("=", 1)
        rename[old] = new
        del argv[i:i + 2]
    args = [a for a in argv if a != "--keep-first"]
    out, paths = Path(args[0]), args[1:]
    res = merge(paths, keep_first="--keep-first" in argv, rename=rename)
    lines = [res.to_markdown(), "", "Paired differences between methods (points, 95% t-interval "
             "over splits; Nadeau-Bengio corrected interval in brackets):", "",
             "| a | b | Δ a - b | t-interval | corrected | wins |", "|---|---|---|---|---|---|"]
    ref = res.reference()
    summary_nb = res.summary(correction="nadeau-bengio")
    # bench_deep.py's configurations: augmentation on the fly against offline x5
    fly = [(m, m.replace(" on-the-fly", " x5 offline")) for m in res.methods
           if m.endswith(" on-the-fly")]
    for a, b in PAIRS + fly + [(m, ref) for m in res.methods if m != ref]:
        if a not in res.methods or b not in res.methods:
            continue
        d = res.paired(a, b)
        nb = res.paired(a, b, correction="nadeau-bengio")
        lines.append(f"| {a} | {b} | {100 * d['mean']:+.1f} | [{100 * d['ci_low']:+.1f}, "
                     f"{100 * d['ci_high']:+.1f}] | [{100 * nb['ci_low']:+.1f}, "
                     f"{100 * nb['ci_high']:+.1f}] | {d['wins']}/{d['n']} |")
    splits = sorted({r["split"] for r in res.records})
    lines += ["", "Per split (accuracy):", "",
              "| method | " + " | ".join(f"split {k}" for k in splits) + " |",
              "|---|" + "---|" * len(splits)]
    for m in res.methods:
        per = res._per_split(m, "accuracy")
        lines.append(f"| {m} | " + " | ".join(f"{per[k]:.3f}" if k in per else "–"
                                                for k in splits) + " |")
    if res.config["conflicts"]:
        lines += ["", "Records that disagreed between pieces (the first kept):", ""]
        lines += [f"- {c}" for c in res.config["conflicts"]]
    text = "\n".join(lines) + "\n"
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(
        {**res.to_dict(), "summary_nadeau_bengio": summary_nb}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
