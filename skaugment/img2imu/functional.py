"""Pure batched torch functions behind the IMG2IMU estimators.

Everything here follows Yoon et al., 2024, "IMG2IMU: Translating knowledge from
large-scale images to IMU sensing applications": triaxial spectrograms become RGB
images, and four *sensor-aware* image augmentations stand in for the augmentations
of raw sensor data during contrastive pre-training.

- :func:`spectrogram_to_image`: log10 spectrograms of one triaxial sensor (x, y, z)
  to a normalised ``(n, 3, H, W)`` RGB image.
- :func:`translate_x`, :func:`permute_x`, :func:`hue`, :func:`jitter`: the
  sensor-aware augmentations on ``(n, 3, H, W)`` images, vectorised over the batch
  (one random draw per image from a ``torch.Generator``).
- :func:`random_resized_crop`, :func:`brightness_contrast`, :func:`horizontal_flip`:
  the MoCo-style default image augmentations the paper compares against.
- :func:`info_nce_loss`, :func:`momentum_update`, :func:`enqueue`: the MoCo pieces
  (He et al., 2020; Chen et al., 2020).

Each augmentation takes a probability ``p``: every image of the batch is augmented
with probability ``p`` and left as it is otherwise (one Bernoulli draw per image).
"""

import math

import torch
import torch.nn.functional as F

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "spectrogram_to_image",
    "translate_x",
    "permute_x",
    "hue",
    "hue_rotation_matrix",
    "jitter",
    "random_resized_crop",
    "brightness_contrast",
    "horizontal_flip",
    "info_nce_loss",
    "momentum_update",
    "enqueue",
]

#: Per-channel mean and standard deviation of the ImageNet training images (RGB, [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _check_images(images, name="images"):
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(images).__name__}.")
    if images.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D (n_samples, n_channels, height, width); got "
            f"{images.ndim}-D tensor of shape {tuple(images.shape)}."
        )


def _check_rgb(images, name="images"):
    _check_images(images, name)
    if images.shape[1] != 3:
        raise ValueError(f"{name} must have 3 (RGB) channels; got {images.shape[1]}.")


def _check_p(p):
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1]; got {p!r}.")
    return float(p)


def _where_applied(augmented, images, p, generator):
    """``augmented`` for a Bernoulli(``p``) draw per image, ``images`` elsewhere."""
    if p >= 1.0:
        return augmented
    keep = torch.rand(images.shape[0], generator=generator, device=images.device) >= p
    return torch.where(keep.view(-1, 1, 1, 1), images, augmented)


def spectrogram_to_image(
    log_spec: torch.Tensor,
    data_min: torch.Tensor,
    data_max: torch.Tensor,
    size: tuple[int, int] = (96, 128),
    mean: tuple[float, float, float] | None = IMAGENET_MEAN,
    std: tuple[float, float, float] | None = IMAGENET_STD,
) -> torch.Tensor:
    """Log spectrograms of triaxial sensors to RGB images (x, y, z -> R, G, B).

    For each channel ``c`` (one axis of one sensor), in this order:

    1. min-max scaling ``(L - data_min[c]) / (data_max[c] - data_min[c])``, clipped
       to ``[0, 1]`` (values outside the range seen at fit saturate);
    2. frequency flipped so that row 0 is the *highest* frequency: low frequencies at
       the bottom, as a spectrogram image is displayed;
    3. bilinear resize of ``(F, T)`` to ``size`` (``align_corners=False``): a convex
       combination of neighbours, so values stay in ``[0, 1]``, and a spectrogram that
       already has that size is left exactly as it is;
    4. ``(v - mean) / std`` per RGB channel (skipped when ``mean`` is ``None``).

    Parameters
    ----------
    log_spec : torch.Tensor of shape (n_samples, 3 * n_sensors, n_freqs, n_frames)
        ``log10`` magnitude spectrograms, frequency ascending along axis 2; channels
        ``3 s, 3 s + 1, 3 s + 2`` are the x, y, z axes of sensor ``s``.
    data_min, data_max : torch.Tensor of shape (3 * n_sensors,)
        Per-channel range of ``log_spec`` (learned at fit); a constant channel
        (``data_max == data_min``) maps to 0.
    size : (int, int), default=(96, 128)
        Output ``(height, width)``: height is frequency, width is time.
    mean, std : 3 floats or None, default=ImageNet's
        Per-RGB-channel normalisation, repeated for every sensor.

    Returns
    -------
    images : torch.Tensor of shape (n_samples, 3 * n_sensors, height, width)

    Examples
    --------
    >>> import torch
    >>> L = torch.tensor([0.0, 1.0, 2.0]).view(1, 1, 3, 1).repeat(1, 3, 1, 2)
    >>> img = spectrogram_to_image(L, torch.zeros(3), torch.full((3,), 2.0), size=(3, 2),
    ...                            mean=None)
    >>> img[0, 0, :, 0]  # highest frequency on top
    tensor([1.0000, 0.5000, 0.0000])
    """
    _check_images(log_spec, "log_spec")
    n, c, _, _ = log_spec.shape
    if c % 3:
        raise ValueError(f"log_spec must have 3 channels per triaxial sensor; got {c} channels.")
    lo = data_min.to(log_spec).view(1, c, 1, 1)
    span = (data_max.to(log_spec).view(1, c, 1, 1) - lo).clamp(min=torch.finfo(log_spec.dtype).tiny)
    unit = ((log_spec - lo) / span).clamp(0.0, 1.0)
    unit = unit.flip(-2)
    if tuple(unit.shape[-2:]) != tuple(size):
        unit = F.interpolate(unit, size=tuple(size), mode="bilinear", align_corners=False)
    if mean is None:
        return unit
    m = torch.as_tensor(mean, dtype=unit.dtype, device=unit.device).repeat(c // 3).view(1, c, 1, 1)
    s = torch.as_tensor(std, dtype=unit.dtype, device=unit.device).repeat(c // 3).view(1, c, 1, 1)
    return (unit - m) / s


def translate_x(
    images: torch.Tensor,
    max_shift: float = 0.5,
    p: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """TranslateX: a circular shift of each image along its width (the time axis).

    A window of sensor data may start anywhere in the same activity; shifting the
    spectrogram along time keeps its class (Yoon et al., 2024, III-B2). The shift is
    circular so that no column is lost or invented: every column of the output is a
    column of the input. Each image gets its own integer shift, uniform in
    ``[-round(max_shift * W), round(max_shift * W)]``.

    Parameters
    ----------
    images : torch.Tensor of shape (n_samples, n_channels, height, width)
    max_shift : float, default=0.5
        Largest shift as a fraction of the width (0.5 already reaches every circular shift).
    p : float, default=1.0
        Probability that an image is shifted.
    generator : torch.Generator, default=None

    Returns
    -------
    shifted : torch.Tensor, shape of ``images``

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(4.0).view(1, 1, 1, 4)
    >>> translate_x(x, generator=torch.Generator().manual_seed(0))
    tensor([[[[2., 3., 0., 1.]]]])
    """
    _check_images(images)
    p = _check_p(p)
    n, _, _, width = images.shape
    limit = int(round(float(max_shift) * width))
    shifts = torch.randint(-limit, limit + 1, (n,), generator=generator, device=images.device)
    # out[..., w] = in[..., (w - shift) mod W]: one gather for the whole batch
    cols = (torch.arange(width, device=images.device)[None, :] - shifts[:, None]) % width
    index = cols.view(n, 1, 1, width).expand_as(images)
    return _where_applied(images.gather(-1, index), images, p, generator)


def permute_x(
    images: torch.Tensor,
    n_segments: int = 4,
    p: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """PermuteX: cut the width (time) into segments and put them in a random order.

    The image counterpart of the permutation of sensor data (Um et al., 2017): local
    temporal features survive inside each segment, the global order does not (Yoon
    et al., 2024, III-B2). The width is cut into ``n_segments`` contiguous segments of
    equal length (the first ``W % n_segments`` one column longer); each image gets
    its own uniformly random order. The columns of the output are those of the
    input, each exactly once.

    Parameters
    ----------
    images : torch.Tensor of shape (n_samples, n_channels, height, width)
    n_segments : int, default=4
        At most the width.
    p : float, default=1.0
        Probability that an image is permuted.
    generator : torch.Generator, default=None

    Returns
    -------
    permuted : torch.Tensor, shape of ``images``

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(6.0).view(1, 1, 1, 6)
    >>> permute_x(x, n_segments=3, generator=torch.Generator().manual_seed(1))
    tensor([[[[2., 3., 4., 5., 0., 1.]]]])
    """
    _check_images(images)
    p = _check_p(p)
    n, _, _, width = images.shape
    if not 1 <= int(n_segments) <= width:
        raise ValueError(f"n_segments must be in [1, width={width}]; got {n_segments!r}.")
    n_segments = int(n_segments)
    device = images.device
    # segment of each column, as torch.tensor_split cuts: the first W % k one longer
    sizes = [width // n_segments + (i < width % n_segments) for i in range(n_segments)]
    segment = torch.repeat_interleave(torch.arange(n_segments, device=device), torch.tensor(sizes, device=device))
    # rank[i, s] = position of segment s in image i's new order
    order = torch.rand(n, n_segments, generator=generator, device=device).argsort(dim=1)
    rank = order.argsort(dim=1)
    # sorting columns by (new position of their segment, column) lists the source
    # columns of the output in order, for the whole batch in one argsort
    key = rank[:, segment] * width + torch.arange(width, device=device)[None, :]
    cols = key.argsort(dim=1)
    index = cols.view(n, 1, 1, width).expand_as(images)
    return _where_applied(images.gather(-1, index), images, p, generator)


def hue_rotation_matrix(angle: torch.Tensor) -> torch.Tensor:
    """Rotations of RGB space about the grey axis ``(1, 1, 1) / sqrt(3)``.

    Rodrigues' formula ``R = cos a I + sin a [k]_x + (1 - cos a) k k^T`` with
    ``k = (1, 1, 1) / sqrt(3)``. ``R`` keeps the grey component (the mean over R, G,
    B) and the distance to grey; an angle of ``2 pi / 3`` is the cyclic permutation
    R -> G -> B -> R, i.e. relabelling the sensor axes x -> y -> z -> x.

    Parameters
    ----------
    angle : torch.Tensor of shape (n,)
        Angles in radians.

    Returns
    -------
    R : torch.Tensor of shape (n, 3, 3)

    Examples
    --------
    >>> import math, torch
    >>> hue_rotation_matrix(torch.tensor([2 * math.pi / 3])).round(decimals=6).abs()
    tensor([[[0., 0., 1.],
             [1., 0., 0.],
             [0., 1., 0.]]])
    """
    angle = torch.as_tensor(angle)
    k = torch.full((3,), 1.0 / math.sqrt(3.0), dtype=angle.dtype, device=angle.device)
    cross = torch.tensor(
        [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=angle.dtype, device=angle.device
    ) / math.sqrt(3.0)  # [k]_x, the cross-product matrix of k
    eye = torch.eye(3, dtype=angle.dtype, device=angle.device)
    cos, sin = angle.cos().view(-1, 1, 1), angle.sin().view(-1, 1, 1)
    return cos * eye + sin * cross + (1 - cos) * torch.outer(k, k)


def hue(
    images: torch.Tensor,
    max_angle: float = math.pi,
    p: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Hue: rotate the colours of each image about the grey axis.

    With x, y, z as R, G, B, a change of colour tone mixes the three sensor axes, as
    a rotation of the sensor would (Yoon et al., 2024, III-B2). The colours of each
    pixel are rotated about the grey axis by :func:`hue_rotation_matrix`, one angle
    per image uniform in ``[-max_angle, max_angle]``: the brightness of every pixel
    (the mean of its R, G, B values, which reflects the motion's intensity) is kept
    exactly, and so is its distance to grey. Values are not clipped, so a rotation
    may leave the ``[0, 1]`` cube slightly; clipping would change the brightness.

    Apply it to images in ``[0, 1]`` (before the ImageNet normalisation): on
    normalised images it keeps the mean of the normalised values instead.

    Parameters
    ----------
    images : torch.Tensor of shape (n_samples, 3, height, width)
    max_angle : float, default=pi
        Largest rotation in radians; ``pi`` allows every rotation.
    p : float, default=1.0
        Probability that an image is rotated.
    generator : torch.Generator, default=None

    Returns
    -------
    rotated : torch.Tensor, shape of ``images``

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(2, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    >>> y = hue(x, generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(y.mean(1), x.mean(1), atol=1e-6)), bool(torch.allclose(y, x))
    (True, False)
    """
    _check_rgb(images)
    p = _check_p(p)
    n = images.shape[0]
    u = torch.rand(n, generator=generator, device=images.device, dtype=images.dtype)
    angle = (2 * u - 1) * float(max_angle)
    R = hue_rotation_matrix(angle)  # (n, 3, 3)
    rotated = torch.einsum("nij,njhw->nihw", R, images)
    return _where_applied(rotated, images, p, generator)


def jitter(
    images: torch.Tensor,
    amplitude: float = 0.1,
    p: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Jitter: add zero-centred uniform noise to every pixel and channel.

    The image counterpart of adding noise to sensor data; the noise is uniform in
    ``[-amplitude, amplitude]``, centred on zero so that the average colour of the
    image is kept in expectation (Yoon et al., 2024, III-B2). Values are not clipped.

    Parameters
    ----------
    images : torch.Tensor of shape (n_samples, n_channels, height, width)
    amplitude : float, default=0.1
        Half-width of the noise, on the scale of the images (0.1 is 10% of the
        ``[0, 1]`` range).
    p : float, default=1.0
        Probability that an image gets noise.
    generator : torch.Generator, default=None

    Returns
    -------
    noisy : torch.Tensor, shape of ``images``

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(1, 3, 8, 8)
    >>> y = jitter(x, amplitude=0.1, generator=torch.Generator().manual_seed(0))
    >>> bool(y.abs().max() <= 0.1), bool((y != 0).all())
    (True, True)
    """
    _check_images(images)
    p = _check_p(p)
    if amplitude < 0:
        raise ValueError(f"amplitude must be non-negative; got {amplitude!r}.")
    u = torch.rand(images.shape, generator=generator, device=images.device, dtype=images.dtype)
    return _where_applied(images + (2 * u - 1) * float(amplitude), images, p, generator)


def random_resized_crop(
    images: torch.Tensor,
    scale: tuple[float, float] = (0.2, 1.0),
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Crop a random box of each image and resize it back to the image's size (bilinear).

    MoCo's crop-and-resize: the box covers a fraction of the area uniform in
    ``scale`` with an aspect ratio log-uniform in ``ratio`` (clipped to fit in the
    image), at a uniform random position; one affine grid sample for the batch.

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(2, 3, 8, 8)
    >>> random_resized_crop(x, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 3, 8, 8])
    """
    _check_images(images)
    n, _, height, width = images.shape
    kw = {"generator": generator, "device": images.device, "dtype": images.dtype}
    area = scale[0] + (scale[1] - scale[0]) * torch.rand(n, **kw)
    log_r = math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * torch.rand(n, **kw)
    aspect = log_r.exp() * height / width  # box width / height in pixels -> in [-1, 1] units
    # box half-sizes in the normalised [-1, 1] coordinates of grid_sample
    sx = (area * aspect).sqrt().clamp(max=1.0)
    sy = (area / aspect).sqrt().clamp(max=1.0)
    cx = (1 - sx) * (2 * torch.rand(n, **kw) - 1)
    cy = (1 - sy) * (2 * torch.rand(n, **kw) - 1)
    theta = torch.zeros(n, 2, 3, dtype=images.dtype, device=images.device)
    theta[:, 0, 0], theta[:, 0, 2] = sx, cx
    theta[:, 1, 1], theta[:, 1, 2] = sy, cy
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def brightness_contrast(
    images: torch.Tensor,
    brightness: float = 0.4,
    contrast: float = 0.4,
    p: float = 0.8,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Colour-jitter-like brightness and contrast change of images in ``[0, 1]``.

    Each image is multiplied by a factor uniform in ``[1 - brightness, 1 + brightness]``
    and then blended with its mean grey level by a factor uniform in
    ``[1 - contrast, 1 + contrast]`` (as torchvision's ``ColorJitter`` does), then
    clipped to ``[0, 1]``.

    Examples
    --------
    >>> import torch
    >>> x = torch.full((1, 3, 2, 2), 0.5)
    >>> y = brightness_contrast(x, contrast=0.0, p=1.0, generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(y, y.flatten()[0].expand_as(y)))  # a uniform image stays uniform
    True
    """
    _check_images(images)
    p = _check_p(p)
    n = images.shape[0]
    kw = {"generator": generator, "device": images.device, "dtype": images.dtype}
    b = 1 + brightness * (2 * torch.rand(n, **kw) - 1)
    c = 1 + contrast * (2 * torch.rand(n, **kw) - 1)
    out = (images * b.view(-1, 1, 1, 1)).clamp(0, 1)
    grey = out.mean(dim=(1, 2, 3), keepdim=True)
    out = (grey + c.view(-1, 1, 1, 1) * (out - grey)).clamp(0, 1)
    return _where_applied(out, images, p, generator)


def horizontal_flip(
    images: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Mirror each image left-right with probability ``p`` (reverses time on a spectrogram).

    Examples
    --------
    >>> import torch
    >>> horizontal_flip(torch.arange(3.0).view(1, 1, 1, 3), p=1.0)
    tensor([[[[2., 1., 0.]]]])
    """
    _check_images(images)
    return _where_applied(images.flip(-1), images, _check_p(p), generator)


def info_nce_loss(
    q: torch.Tensor, k: torch.Tensor, queue: torch.Tensor, temperature: float = 0.2
) -> torch.Tensor:
    """MoCo's InfoNCE loss (He et al., 2020, eq. 1), averaged over the batch.

    ``L = -log( exp(q.k+ / t) / (exp(q.k+ / t) + sum_j exp(q.queue_j / t)) )``, computed
    as a cross-entropy of the logits ``[q.k+, q.queue] / t`` against class 0, i.e. with
    a log-softmax (log-sum-exp), which stays finite for any temperature.

    Parameters
    ----------
    q, k : torch.Tensor of shape (batch, dim)
        L2-normalised queries and their positive keys.
    queue : torch.Tensor of shape (queue_size, dim)
        L2-normalised negative keys.
    temperature : float, default=0.2

    Returns
    -------
    loss : torch.Tensor, scalar

    Examples
    --------
    >>> import torch
    >>> q = torch.tensor([[1.0, 0.0]])
    >>> loss = info_nce_loss(q, q, torch.tensor([[0.0, 1.0]]), temperature=1.0)
    >>> round(loss.item(), 4)  # -log(e / (e + 1))
    0.3133
    """
    positive = (q * k).sum(dim=1, keepdim=True)
    negative = q @ queue.T
    logits = torch.cat([positive, negative], dim=1) / float(temperature)
    target = torch.zeros(q.shape[0], dtype=torch.long, device=q.device)
    return F.cross_entropy(logits, target)


@torch.no_grad()
def momentum_update(key: torch.nn.Module, query: torch.nn.Module, momentum: float) -> None:
    """In place: ``theta_k <- m theta_k + (1 - m) theta_q`` for every parameter.

    The key encoder of MoCo is a slowly moving average of the query encoder (He et
    al., 2020, eq. 2). Buffers (batch-norm running statistics) are not averaged: the
    key encoder's own forward passes update them.

    Examples
    --------
    >>> import torch
    >>> k, q = torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = k.weight.fill_(1.0), q.weight.fill_(3.0)
    >>> momentum_update(k, q, 0.75)
    >>> k.weight.item()
    1.5
    """
    for pk, pq in zip(key.parameters(), query.parameters(), strict=True):
        pk.mul_(momentum).add_(pq.detach(), alpha=1.0 - momentum)


@torch.no_grad()
def enqueue(queue: torch.Tensor, keys: torch.Tensor, ptr: int) -> int:
    """In place: write ``keys`` into the ring buffer ``queue`` from row ``ptr`` on (FIFO).

    The oldest keys are overwritten first; the write wraps around the end of the
    queue, so the queue size need not be a multiple of the batch size. Returns the
    new pointer ``(ptr + len(keys)) % len(queue)``.

    Examples
    --------
    >>> import torch
    >>> queue = torch.zeros(4, 1)
    >>> enqueue(queue, torch.tensor([[1.0], [2.0], [3.0]]), ptr=2)
    1
    >>> queue.ravel()  # rows 2, 3, then 0
    tensor([3., 0., 1., 2.])
    """
    size, n = queue.shape[0], keys.shape[0]
    # a batch larger than the queue: only its newest keys survive, where FIFO puts them
    skipped = max(0, n - size)
    rows = (ptr + skipped + torch.arange(n - skipped, device=queue.device)) % size
    queue[rows] = keys.detach()[skipped:].to(queue.dtype)
    return int((ptr + n) % size)
