"""The DU loss of SATS-DU (Yu et al., 2024, section 3.4, eq. 7-8)."""

import numbers

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["DULoss"]


class DULoss(nn.Module):
    """Accuracy-weighted mix of label-smoothed NLL, focal loss and cross-entropy.

    For logits ``z`` and integer targets ``y`` of a batch of ``n`` samples and ``K``
    classes, with ``log p = log_softmax(z)`` and ``p_t = p_y``::

        L_sl  = mean_i  -sum_k log p_ik ((1 - smoothing) [k = y_i] + smoothing / K)
        L_fl  = mean_i  -alpha (1 - p_t)^gamma log p_t
        L_ce  = mean_i  -log p_t
        loss  = w0 L_sl + w1 L_fl + w2 L_ce

    Soft targets (class probabilities ``q`` of shape ``(n, K)``, e.g. mixup's label
    rows) replace the one-hot indicator ``[k = y_i]`` by ``q_ik`` in every term::

        L_sl  = mean_i  -sum_k log p_ik ((1 - smoothing) q_ik + smoothing / K)
        L_fl  = mean_i  -alpha sum_k q_ik (1 - p_ik)^gamma log p_ik
        L_ce  = mean_i  -sum_k q_ik log p_ik

    so a one-hot ``q`` gives exactly the integer-target loss, and the batch accuracy
    compares the predicted class with ``argmax_k q_ik``.

    The weights of eq. 8 are updated from the batch accuracy ``acc`` (no gradient
    flows through them)::

        w1 = clip(2 - tau - 1 / (acc + 1e-8), 0, 1),    w0 = w2 = 0.5 (1 - w1)

    Unclipped, ``w1`` tends to minus infinity as the accuracy falls (and ``w0, w2``
    to plus infinity), which scales the gradients without bound; the clip keeps
    ``w1`` in ``[0, 1]`` and so ``w0, w2`` in ``[0, 0.5]``, and the three weights
    always sum to 1. The focal term is weighted in only once the batch accuracy
    exceeds ``1 / (2 - tau)`` (2/3 for ``tau=0.5``), up to ``w1 = 1 - tau`` at
    accuracy 1: hard examples get more weight as the model gets good.

    Parameters
    ----------
    tau : float, default=0.5
        Weight factor in ``[0, 1]`` of eq. 8.
    smoothing : float, default=0.1
        Label smoothing ``epsilon`` in ``[0, 1]``.
    focal_gamma : float, default=2.0
        Focusing exponent ``gamma >= 0`` of the focal loss.
    focal_alpha : float, default=1.0
        Scalar weight ``alpha`` in ``[0, 1]`` of the focal loss.

    Attributes
    ----------
    last_weights_ : tuple of float or None
        ``(w0, w1, w2)`` used for the last batch.

    Examples
    --------
    >>> import torch
    >>> loss = DULoss(tau=0.5)
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> value = loss(logits, torch.tensor([0, 1]))  # batch accuracy 1
    >>> loss.last_weights_
    (0.25, 0.5, 0.25)
    >>> value.backward()

    The same loss on class probabilities:

    >>> soft = loss(logits, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    >>> bool(soft == value)
    True
    """

    def __init__(
        self, tau: float = 0.5, smoothing: float = 0.1, focal_gamma: float = 2.0, focal_alpha: float = 1.0
    ) -> None:
        super().__init__()
        for name, value, low, high in [
            ("tau", tau, 0.0, 1.0),
            ("smoothing", smoothing, 0.0, 1.0),
            ("focal_gamma", focal_gamma, 0.0, float("inf")),
            ("focal_alpha", focal_alpha, 0.0, 1.0),
        ]:
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
                raise ValueError(f"DULoss: {name} must be a real number in [{low}, {high}]; got {value!r}.")
        self.tau = float(tau)
        self.smoothing = float(smoothing)
        self.focal_gamma = float(focal_gamma)
        self.focal_alpha = float(focal_alpha)
        self.last_weights_ = None

    def weights(self, accuracy: float) -> tuple[float, float, float]:
        """``(w0, w1, w2)`` of eq. 8 for a batch accuracy in ``[0, 1]``, clipped."""
        w1 = min(max(2.0 - self.tau - 1.0 / (float(accuracy) + 1e-8), 0.0), 1.0)
        w0 = w2 = 0.5 * (1.0 - w1)
        return w0, w1, w2

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of ``logits`` ``(n, K)`` against ``target``.

        ``target`` is either integer labels ``(n,)`` or class probabilities
        ``(n, K)`` (soft labels, e.g. from mixup), see the class docstring.
        """
        if logits.ndim != 2:
            raise ValueError(f"DULoss expects logits of shape (n, n_classes); got {tuple(logits.shape)}.")
        log_p = F.log_softmax(logits.float(), dim=1)
        if target.ndim == 2:
            if tuple(target.shape) != tuple(logits.shape):
                raise ValueError(
                    f"DULoss: probability targets must have the logits' shape {tuple(logits.shape)}; "
                    f"got {tuple(target.shape)}."
                )
            q = target.to(log_p.dtype)
            nll = -log_p
            ce = (q * nll).sum(dim=1)
            # (1 - p_k) computed as -expm1(log p_k): no cancellation when p_k is near 1.
            focal = self.focal_alpha * (
                q * (-torch.expm1(log_p)).clamp(min=0).pow(self.focal_gamma) * nll
            ).sum(dim=1)
            target_class = target.argmax(dim=1)
        else:
            target_class = target.long()
            ce = -log_p.gather(1, target_class[:, None]).squeeze(1)
            log_p_t = -ce
            focal = self.focal_alpha * ((-torch.expm1(log_p_t)).clamp(min=0).pow(self.focal_gamma) * ce)
        # -sum_k log p_k ((1 - eps) q_k + eps / K), regrouped so that a one-hot q gives
        # bit for bit the hard-label value.
        smoothed = (1.0 - self.smoothing) * ce - self.smoothing * log_p.mean(dim=1)
        with torch.no_grad():
            accuracy = (logits.argmax(dim=1) == target_class).float().mean().item()
        w0, w1, w2 = self.weights(accuracy)
        self.last_weights_ = (w0, w1, w2)
        return w0 * smoothed.mean() + w1 * focal.mean() + w2 * ce.mean()
