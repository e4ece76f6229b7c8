"""Docstring fragments shared by estimators, filled in with :class:`Substitution`."""

__all__ = [
    "Substitution",
    "_random_state_docstring",
    "_ratio_docstring",
    "_sampling_strategy_docstring",
    "_verbose_docstring",
    "_device_docstring",
]


class Substitution:
    """Decorate a function or class and fill ``%(name)s`` fields of its docstring."""

    def __init__(self, **params):
        self.params = params

    def __call__(self, obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__ % self.params
        return obj


_random_state_docstring = """random_state : int, RandomState instance or None, default=None
        Seeds every random draw (weights, noise, sampled conditions). The same
        ``random_state`` gives the same result on the same machine's CPU with the
        same number of torch threads (a sum split over another number of threads
        rounds differently, and training carries the difference on; on a GPU, torch's
        convolution and interpolation gradients are not deterministic by
        default); no global random generator is used.""".rstrip()

_ratio_docstring = """ratio : float, default=5.0
        Number of generated samples divided by the number of real samples (Wang et al.,
        2024, section 4.4). Each class gets ``round(ratio * n_class)`` new samples,
        so class proportions are kept. Read by ``fit_resample``, label-only
        augmentation: each synthetic row comes from a random real row of its class
        (uniformly, with replacement), whose conditions it reuses where the model
        takes more than the label (unless said otherwise above) and which it starts
        from where the model starts from real data.""".rstrip()

_sampling_strategy_docstring = """sampling_strategy : float, str, dict or callable, default=None
        ``None`` (default): ``ratio`` decides, class proportions kept. Otherwise
        imbalanced-learn's meaning for over-samplers, which balances classes;
        ``ratio`` is then ignored:

        - float (two classes only): the ratio ``n_minority / n_majority`` wanted
          after resampling, in ``(0, 1]``;
        - ``"minority"``, ``"not minority"``, ``"not majority"``, ``"all"``: the
          classes named grow to the majority class's count; ``"auto"`` is
          ``"not majority"``;
        - dict: ``{label: number of samples of the class wanted after
          resampling}`` (at least its current count); classes not listed get no
          synthetic samples;
        - callable: ``f(y)`` returning such a dict.

        A value imbalanced-learn rejects (a label not in ``y``, a float with more
        than two classes, ...) raises a ``ValueError`` naming
        ``sampling_strategy``.""".rstrip()

_verbose_docstring = """verbose : int, default=0
        0 is silent; 1 shows tqdm progress bars for long work.""".rstrip()

_device_docstring = """device : str or torch.device, default="auto"
        Where torch computes: any torch device (``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ``"mps"``), validated at fit with a clear error when it is
        not available; ``"auto"`` takes CUDA when available. Fitted models are
        kept on the CPU, so a fitted estimator pickles and loads anywhere.""".rstrip()
