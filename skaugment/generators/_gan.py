"""Label-conditioned GAN over magnitude spectrograms: the cGAN baseline of Wang et al., 2024.

The estimator: the WGAN-GP training loop and the sampler around the networks of
``_gan_nets``, in the model space of ``_diffusion_scaling`` (the diffusion
model's standardised log magnitude), so both generators see the same input.
"""

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import torch
from sklearn.utils._param_validation import Hidden, Interval, StrOptions

from ..utils._docstring import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
    _ratio_docstring,
    _sampling_strategy_docstring,
    _verbose_docstring,
)
from ..utils._torch import resolve_device, seed_from_random_state, torch_generator
from ..utils._training import DEPRECATED, TrainingLoop, cycling_batches, fit_steps, seeded
from ._base import BaseConditionalGenerator
from ._diffusion_scaling import FittedScalingsMixin
from ._gan_nets import ConditionalGenerator, ProjectionCritic, gradient_penalty

__all__ = ["ConditionalGANSampler"]

_ADAM_BETAS = (0.5, 0.9)  # Gulrajani et al., 2017, for their DCGAN experiments
# Karras et al., 2018 ("Progressive growing of GANs"): a tiny penalty on the critic's
# scores of real data keeps them from drifting, which the Wasserstein loss alone allows
_DRIFT = 1e-3
_BN_BATCHES = 16  # batches of z that re-estimate the generator's batch-norm statistics


@Substitution(
    random_state=_random_state_docstring,
    ratio=_ratio_docstring,
    sampling_strategy=_sampling_strategy_docstring,
    verbose=_verbose_docstring,
    device=_device_docstring,
)
class ConditionalGANSampler(FittedScalingsMixin, BaseConditionalGenerator):
    """Label-conditioned GAN of magnitude spectrograms (the cGAN baseline).

    The conditional GAN that Wang et al., 2024 ("Fine-grained control of
    generative data augmentation in IoT sensing", Appendix E) compare against: a
    DCGAN (Radford et al., 2016, "Unsupervised representation learning with deep
    convolutional generative adversarial networks") conditioned on the label
    only, trained with a Wasserstein loss for stability (Arjovsky et al., 2017,
    "Wasserstein GAN"), here with the gradient penalty of Gulrajani et al., 2017
    ("Improved training of Wasserstein GANs"): ``n_critic`` critic steps per
    generator step, penalty weight ``gp_weight``, Adam with betas (0.5, 0.9).

    - Generator: latent ``z`` and the label one-hot -> linear -> a small map ->
      two stride-2 transposed convolutions with batch norm and ReLU -> a 3x3
      convolution -> ``tanh`` scaled into the training range of the log
      magnitude of each (channel, frequency) row, so samples never leave the
      range of the training magnitudes (a clamp would stop the gradient of every
      value outside the range). Batch-norm statistics are re-estimated on many
      batches of mixed labels after training and frozen (eval mode), so a sample
      does not depend on the other samples of its batch: batch statistics of a
      single-label batch would normalise away that label's level.
    - Critic: convolutions with LeakyReLU and no batch norm (the gradient
      penalty is per sample); the label enters by projection (Miyato & Koyama,
      2018, "cGANs with projection discriminator"), which in their comparison
      conditioned better than a label concatenated to the input.
    - Both networks see spectrograms in the diffusion model's space
      (``log(S + offset)``, standardised per (channel, frequency) row), padded to
      a multiple of 4 on both axes; the generator crops back to ``(F, T)``.

    One network covers all channels: a label-only generator drawing each
    modality independently would decouple, e.g., the accelerometer from the
    gyroscope of the same window. ``modalities`` only groups channels for the
    metric table (:meth:`conditions_from`).

    No gradient clipping: the penalty already keeps the critic's gradient norm
    near 1, and the generator's gradient passes through that critic; clipping
    would bias the penalty's own gradient. A small drift term, ``1e-3 *
    critic(real)^2`` (Karras et al., 2018, "Progressive growing of GANs for
    improved quality, stability, and variation"), keeps the critic's scores from
    wandering off, which the Wasserstein loss alone allows.

    The GAN is label-only: ``condition`` accepts only ``"label"``, and
    :meth:`sample` ignores ``conditions`` (checked for shape, not used), so the
    metric augmenters refuse it. For metric control use
    :class:`~skaugment.ConditionalDiffusionSampler` or
    :class:`~skaugment.SpectrogramMetricEditSampler`.

    Parameters
    ----------
    condition : {"label"}, default="label"
        Kept for the generator protocol; ``"metrics"`` raises a ``ValueError`` at
        fit.
    modalities : dict of str -> list of int, default=None
        Channel groups of the metric table (one network covers all channels).
    channel_names : list of str, default=None
        Names used in ``condition_names_``; ``None`` gives ``ch0, ch1, ...``.
    hps_factor : int or dict of str -> int, default=2
        Harmonic product spectrum depth of the F0 metric, per modality if a dict.
    latent_dim : int, default=64
        Length of the latent vector ``z``.
    base_channels : int, default=16
        Width of both networks at full resolution (the coarser maps have two and
        four times it).
    n_steps : int, default=750
        Generator steps of a fit, each after ``n_critic`` critic steps on fresh
        real batches: 750 is 150 passes of the critic over the 1,714 spectrograms
        of five HAPT subjects.
    max_epochs : int, optional
        Deprecated (removed in 0.2): passes instead of ``n_steps``, a pass being
        ``max(1, round(n_samples / (batch_size * n_critic)))`` generator steps; set,
        it keeps its old meaning and warns.
    batch_size : int, default=64
        Real and generated samples per step (at most ``n_samples``).
    lr : float, default=5e-4
        Adam learning rate of both networks: above the 1e-4 of Gulrajani et al.,
        which ran 100,000+ generator steps, because a CPU fit runs about a
        thousand (on 1,610 HAPT windows, the critic's distance estimate falls
        steadily and levels off by 750 generator steps at this rate).
    n_critic : int, default=5
        Critic steps per generator step.
    gp_weight : float, default=10.0
        Weight ``lambda`` of the gradient penalty.
    sample_batch_size : int, default=256
        Spectrograms generated per batch (bounds memory; results do not depend on it).
    %(ratio)s
    %(sampling_strategy)s
    %(device)s
    %(verbose)s
    %(random_state)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        ``(n_channels, n_freqs, n_frames)`` seen at fit.
    n_conditions_ : int
        Width of the metric table (``n_channels * 5``), kept for the protocol.
    condition_names_ : list of str
        ``"{channel}__{metric}"``, as :class:`~skaugment.MetricExtractor` names them.
    train_conditions_ : ndarray of shape (n_samples, n_conditions)
        The metric table of the training data (not used by the GAN).
    model_ : torch.nn.Module
        The trained generator (on the CPU, in eval mode); ``generator_`` is the same.
    critic_ : torch.nn.Module
        The trained critic.
    loss_curve_ : list of float
        Per generator step, the critic's mean estimate (over its ``n_critic``
        steps) of the Wasserstein distance ``E[critic(real)] - E[critic(fake)]``
        (Arjovsky et al., 2017: it tracks sample quality).
    critic_loss_curve_ : list of float
        Per generator step, the critic's mean loss (Wasserstein term, penalty and
        drift).
    generator_loss_curve_ : list of float
        The generator's loss ``-E[critic(fake)]`` of every step.
    n_iter_ : int
        Generator steps run.
    n_generator_steps_ : int
        Generator updates run (critic updates: ``n_critic`` times more).
    sample_indices_ : ndarray of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: for each output row, the input row it comes
        from (itself for originals, a random row of its class for synthetic).
    synthetic_mask_ : ndarray of bool of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: which output rows are generated.
    sampling_strategy_ : dict
        After :meth:`fit_resample`: number of synthetic samples generated for each
        class.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.generators import ConditionalGANSampler
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, 1.0, size=(24, 2, 9, 8)).astype("float32")
    >>> y = np.repeat([0, 1], 12)
    >>> gan = ConditionalGANSampler(n_steps=2, base_channels=4, latent_dim=8,
    ...                             random_state=0)
    >>> gan = gan.fit(S, y)
    >>> gan.sample([0, 1, 1]).shape
    (3, 2, 9, 8)
    >>> S_res, y_res = gan.set_params(ratio=0.5).fit_resample(S, y)
    >>> S_res.shape, int(gan.synthetic_mask_.sum())
    ((36, 2, 9, 8), 12)
    """

    _parameter_constraints = {
        **BaseConditionalGenerator._parameter_constraints,
        # "metrics" passes the generic check so that fit can say why it is refused
        "condition": [StrOptions({"label", "metrics"})],
        "modalities": [dict, None],
        "channel_names": ["array-like", None],
        "hps_factor": [Interval(numbers.Integral, 1, None, closed="left"), dict],
        "latent_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "base_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"),
                       Hidden(StrOptions({DEPRECATED}))],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left")],
        "gp_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "sample_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    _sample_params = BaseConditionalGenerator._sample_params + ("sample_batch_size",)

    def __init__(
        self,
        condition: Literal["label"] = "label",
        modalities: dict[str, Sequence[int]] | None = None,
        channel_names: Sequence[str] | None = None,
        hps_factor: int | dict[str, int] = 2,
        latent_dim: int = 64,
        base_channels: int = 16,
        n_steps: int = 750,
        max_epochs: int | str = DEPRECATED,
        batch_size: int = 64,
        lr: float = 5e-4,
        n_critic: int = 5,
        gp_weight: float = 10.0,
        sample_batch_size: int = 256,
        ratio: float = 5.0,
        sampling_strategy: float | str | dict | Callable | None = None,
        device: str | torch.device = "auto",
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.condition = condition
        self.modalities = modalities
        self.channel_names = channel_names
        self.hps_factor = hps_factor
        self.latent_dim = latent_dim
        self.base_channels = base_channels
        self.n_steps = n_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.sample_batch_size = sample_batch_size
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # -- protocol ---------------------------------------------------------------------------

    def _validate_params(self):
        super()._validate_params()
        if self.condition != "label":
            raise ValueError(
                f"condition={self.condition!r}: ConditionalGANSampler is label-only "
                "(condition='label'); it cannot condition on metrics. For metric control use "
                "ConditionalDiffusionSampler (condition='metrics') or SpectrogramMetricEditSampler."
            )

    def _draw_conditions(self, y_encoded, rng):
        # label-only: no draw, so sample(y) and sample(y, conditions) use the same noise
        return np.zeros((y_encoded.shape[0], self.n_conditions_))

    # -- fit --------------------------------------------------------------------------------

    def _fit_model(self, S, y_encoded, conditions):
        device = resolve_device(self.device)
        self.device_ = device
        n, c, n_freqs, n_frames = S.shape
        n_classes = len(self.classes_)
        scaling = self._fit_spectrogram_scaling(S)
        log_s = np.log(S + self.log_offset_[:, None, None])
        self.log_min_ = log_s.min(axis=(0, 3))
        self.log_max_ = log_s.max(axis=(0, 3))
        X_t = torch.as_tensor(scaling.to_model_space(S))
        y_t = torch.as_tensor(y_encoded, dtype=torch.long)

        seed = seed_from_random_state(self.random_state)
        with seeded(seed):
            generator = ConditionalGenerator(c, n_freqs, n_frames, n_classes, self.latent_dim,
                                             self.base_channels, self.log_min_,
                                             self.log_max_).to(device)
            critic = ProjectionCritic(c, n_freqs, n_frames, n_classes,
                                      self.base_channels).to(device)
        gen = torch_generator(seed + 1, device="cpu")
        opt_g = torch.optim.Adam(generator.parameters(), lr=self.lr, betas=_ADAM_BETAS)
        opt_c = torch.optim.Adam(critic.parameters(), lr=self.lr, betas=_ADAM_BETAS)

        batch_size = min(self.batch_size, n)
        # train-mode batch norm needs two samples per channel when the map is 1 x 1
        n_fake = max(batch_size, 2)
        steps_per_epoch = max(1, round(n / (batch_size * self.n_critic)))
        to_model = scaling.log_to_model_torch
        # real batches run through reshuffled passes over the data
        batches = cycling_batches(n, batch_size, gen)

        def fake_batch(labels):
            z = torch.randn(labels.shape[0], self.latent_dim, generator=gen).to(device)
            return to_model(generator(z, labels))

        critic_logs = []  # per critic step: Wasserstein estimate and critic loss

        def get_loss(step):
            # n_critic critic updates, then the generator's loss (its step is the loop's)
            for _ in range(self.n_critic):
                idx = next(batches)
                real, labels = X_t[idx].to(device), y_t[idx].to(device)
                fake_labels = torch.cat([labels, labels[: n_fake - batch_size]])
                with torch.no_grad():
                    fake = fake_batch(fake_labels)[:batch_size]
                eps = torch.rand(batch_size, generator=gen).to(device)
                score_real = critic(real, labels)
                distance = score_real.mean() - critic(fake, labels).mean()
                penalty = gradient_penalty(critic, real, fake, labels, eps, self.gp_weight)
                loss_c = -distance + penalty + _DRIFT * (score_real**2).mean()
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                opt_c.step()
                critic_logs.append((distance.item(), loss_c.item()))
            # the generator's labels follow the class frequencies of the data
            labels = y_t[torch.randint(0, n, (n_fake,), generator=gen)].to(device)
            return -critic(fake_batch(labels), labels).mean()

        critic.train()
        loop = TrainingLoop(generator, opt_g, get_loss=get_loss, desc="cgan fit",
                            hint=f"Lower lr (now {self.lr}) or raise gp_weight "
                                 f"(now {self.gp_weight}).", verbose=self.verbose)
        n_steps = fit_steps(self, steps_per_epoch)
        self.generator_loss_curve_ = loop.run(n_steps).tolist()
        per_step = np.asarray(critic_logs).reshape(n_steps, self.n_critic, 2).mean(axis=1)
        self.loss_curve_ = per_step[:, 0].tolist()
        self.critic_loss_curve_ = per_step[:, 1].tolist()
        self._freeze_batch_norm(generator, y_t, n_fake, gen, device)
        critic.eval()
        self.model_ = self.generator_ = generator.cpu() if device != "cpu" else generator
        self.critic_ = critic.cpu() if device != "cpu" else critic
        self.n_iter_ = self.n_generator_steps_ = n_steps

    def _freeze_batch_norm(self, generator, y_t, n_fake, gen, device):
        """Batch-norm statistics of the final generator, averaged over many batches.

        The running averages lag behind the weights and follow the last few
        batches only; the generator samples with population statistics of its
        final weights instead (eval mode).
        """
        norms = [m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average
        with torch.no_grad():
            for _ in range(_BN_BATCHES):
                labels = y_t[torch.randint(0, y_t.shape[0], (n_fake,), generator=gen)].to(device)
                z = torch.randn(n_fake, self.latent_dim, generator=gen).to(device)
                generator(z, labels)
        for m in norms:
            m.momentum = 0.1
        generator.eval()

    # -- sample -----------------------------------------------------------------------------

    def _sample_model(self, y_encoded, conditions, init, rng):
        device = resolve_device(self.device)
        # the fitted model stays on the CPU (and pickles there): sample with a copy
        model = self.model_ if device == "cpu" else copy.deepcopy(self.model_).to(device)
        n = y_encoded.shape[0]
        out = np.empty((n,) + self.input_shape_, dtype=np.float32)
        offset = torch.as_tensor(self.log_offset_[:, None, None], device=device)
        starts = range(0, n, self.sample_batch_size)
        if self.verbose:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="cgan sample", unit="batch",
                          total=math.ceil(n / self.sample_batch_size))
        with torch.no_grad():
            for start in starts:
                stop = min(start + self.sample_batch_size, n)
                # numpy's legacy generator yields the same stream however it is chunked,
                # so the samples do not depend on sample_batch_size
                z = torch.as_tensor(
                    rng.standard_normal((stop - start, self.latent_dim)).astype(np.float32)
                ).to(device)
                labels = torch.as_tensor(y_encoded[start:stop], dtype=torch.long, device=device)
                log_s = model(z, labels)
                out[start:stop] = (torch.exp(log_s) - offset).clamp_min(0.0).cpu().numpy()
        return out
