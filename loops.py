"""Training and test loops of Question 2 (torch)."""

import torch
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from atomic import save_figure
from memory_task import memory_task_acc, memory_task_loss

N_CONTEXT = 30
FEEDBACK_LIMIT = 2.0


def batches(dataset, batch_size, device, generator=None):
    """Yield ``(x, y)`` batches of ``dataset`` on ``device``; shuffled when a generator is given."""
    n = len(dataset)
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for indices in order.split(batch_size):
        x, y = dataset[indices]
        yield x.to(device), y.to(device)


def _device(model):
    return next(model.parameters()).device


def train_loop(
    num_epochs,
    model,
    init_optimizer,
    loss_func,
    batch_size,
    dataset,
    clip=5.0,
    init_scheduler=None,
    seed=0,
    history=None,
    quiet=False,
    checkpoint=None,
):
    """Train ``model`` on ``dataset`` for ``num_epochs`` epochs; return the model.

    ``dataset[indices]`` gives a batch ``(x, targets)`` with x ``(B, T, I)``;
    ``model(x)`` gives outputs ``(B, T, O)`` and ``loss_func(outputs, targets)``
    a scalar. Per batch, ``train_step``: forward, loss, backward,
    ``torch.nn.utils.clip_grad_norm_`` to ``clip`` (0 or None: no clipping),
    optimizer step. The batches are reshuffled every epoch from ``seed``; a
    dataset with ``set_epoch(epoch)`` (a curriculum) is told each epoch first.

    init_optimizer: ``params -> torch.optim.Optimizer``; init_scheduler: optional
    ``optimizer -> scheduler``, stepped once per epoch. history: an optional
    list that receives each finished epoch's mean batch loss, so a caller keeps
    it even when training is interrupted. A NaN or infinite loss or gradient
    raises ``FloatingPointError`` naming the epoch and step, before any update.
    checkpoint: optional, with ``restore(model, optimizer, scheduler,
    generator) -> first epoch`` and ``save(epoch, ...the same)``, called after
    every epoch, so that a stopped run continues exactly where it was.
    """
    optimizer = init_optimizer(model.parameters())
    scheduler = init_scheduler(optimizer) if init_scheduler else None
    generator = torch.Generator().manual_seed(seed)
    device = _device(model)
    history = [] if history is None else history
    first_epoch = checkpoint.restore(model, optimizer, scheduler, generator) if checkpoint else 1
    model.train()
    epochs = tqdm(
        range(first_epoch, num_epochs + 1),
        initial=first_epoch - 1,
        total=num_epochs,
        desc="training",
        unit="epoch",
        disable=quiet,
    )
    for epoch in epochs:
        if hasattr(dataset, "set_epoch"):
            dataset.set_epoch(epoch)
        total, count = 0.0, 0
        for step, (x, y) in enumerate(batches(dataset, batch_size, device, generator), 1):
            try:
                total += train_step(model, optimizer, loss_func, x, y, clip)
            except FloatingPointError as err:
                raise FloatingPointError(f"epoch {epoch}, step {step}: {err}") from None
            count += 1
        if scheduler is not None:
            scheduler.step()
        history.append(total / count)
        epochs.set_postfix(loss=f"{history[-1]:.4g}")
        if checkpoint is not None:
            checkpoint.save(epoch, model, optimizer, scheduler, generator)
    return model


def train_step(model, optimizer, loss_func, x, y, clip):
    """One batch: forward, loss, backward, gradient clipping, update.

    x: ``(B, T, I)``; y: the targets ``loss_func`` takes with the outputs
    ``(B, T, O)``. The gradient's global norm is clipped to ``clip`` with
    ``torch.nn.utils.clip_grad_norm_`` (0 or None: no clipping). Returns the
    batch's loss as a float. Raises ``FloatingPointError``, before the update,
    if the loss or the gradient norm is NaN or infinite.
    """
    #####Start Subtask 2c#####
    optimizer.zero_grad()
    loss = loss_func(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip or float("inf"))
    if not (torch.isfinite(loss) and torch.isfinite(norm)):
        raise FloatingPointError(f"the loss is {loss.item()} and the gradient norm {norm.item()}")
    optimizer.step()
    return loss.item()
    #####End Subtask#####


class FreeRunning(torch.nn.Module):
    """Wrap a cell so that it reads ``n_context`` true steps, then its own outputs.

    ``forward(x)`` takes x ``(B, T, 1)`` and returns ``(B, T, 1)``: the outputs
    on x's first ``n_context`` steps, then ``T - n_context`` outputs generated
    from the previous output, exactly as at test time, with gradients
    flowing through the feedback. Training through it teaches the model to
    correct its own errors, which teacher forcing never shows it.
    """

    def __init__(self, model, n_context=N_CONTEXT):
        super().__init__()
        self.model, self.n_context = model, n_context

    def forward(self, x):
        outputs = self.model(x[:, : self.n_context])
        generated = feed_back(self.model, outputs[:, -1:], x.shape[1] - self.n_context)
        return torch.cat([outputs, generated], dim=1)


def feed_back(model, prediction, n_steps):
    """Continue the model ``n_steps`` steps on its own outputs, from ``prediction`` ``(B, 1, 1)``.

    Returns the predictions made ``(B, n_steps, 1)``. What is fed back is
    clamped to [-FEEDBACK_LIMIT, FEEDBACK_LIMIT]: a sine never leaves [-1, 1],
    and an untrained ReLU RNN would otherwise amplify its own output through
    the loop until it overflows.
    """
    generated = []
    for _ in range(n_steps):
        prediction = model(
            prediction.clamp(-FEEDBACK_LIMIT, FEEDBACK_LIMIT), reset_hidden_state=False
        )
        generated.append(prediction)
    return torch.cat(generated, dim=1) if generated else prediction[:, :0]


@torch.no_grad()
def generate(model, context, n_generated):
    """Feed ``context`` ``(B, n, 1)``, then ``n_generated`` steps of the model's own output.

    Returns the generated part ``(B, n_generated, 1)``: the prediction after
    the context, then each prediction made from the previous one.
    """
    prediction = model(context)[:, -1:]
    return torch.cat([prediction, feed_back(model, prediction, n_generated - 1)], dim=1)


def test_loop_sines(model, dataset, out_dir=None, num_plots=5, n_context=N_CONTEXT):
    """Extrapolate every test curve from its first ``n_context`` true samples.

    ``dataset.curves`` is ``(N, T)``; the model maps ``(N, t, 1)`` to ``(N, t, 1)``.
    It reads s_0..s_{n-1}, then generates s_n..s_{T-1} autoregressively,
    feeding each output back in. Writes one PNG per curve for the first
    ``num_plots`` curves and one figure with all of them into ``out_dir`` (if
    given). Returns the mean squared error of the generated part,
    mean over curves and steps t >= n of (generated_t - s_t)^2.
    """
    model.eval()
    curves = dataset.curves.to(_device(model))
    n_generated = curves.shape[1] - n_context
    if n_generated < 1:
        raise ValueError(f"curves of length {curves.shape[1]} leave nothing after {n_context}")
    generated = generate(model, curves[:, :n_context, None], n_generated)[..., 0]
    mse = torch.mean((generated - curves[:, n_context:]) ** 2).item()
    if out_dir is not None:
        plot_sines(curves[:num_plots].cpu(), generated[:num_plots].cpu(), n_context, out_dir)
    return mse


def plot_sines(curves, generated, n_context, out_dir):
    """One PNG per curve (``sine_test_{i}.png``) and all of them in ``sine_test_all.png``."""
    steps = torch.arange(curves.shape[1])
    for i in range(len(curves)):
        fig = Figure(figsize=(7, 3))
        _draw_sine(fig.subplots(), steps, curves[i], generated[i], n_context, legend=True)
        fig.tight_layout()
        save_figure(fig, out_dir / f"sine_test_{i}.png", dpi=100)
    fig = Figure(figsize=(7, 1.8 * len(curves)))
    axes = fig.subplots(len(curves), 1, sharex=True, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        _draw_sine(ax, steps, curves[i], generated[i], n_context, legend=i == 0)
    axes[-1].set_xlabel("time step")
    fig.tight_layout()
    save_figure(fig, out_dir / "sine_test_all.png", dpi=100)


def _draw_sine(ax, steps, curve, generated, n_context, legend):
    ax.plot(steps, curve, color="0.6", lw=2, label="truth")
    ax.plot(steps[:n_context], curve[:n_context], color="k", lw=2, label="context (input)")
    ax.plot(steps[n_context:], generated, color="C3", lw=1.5, ls="--", label="generated")
    ax.axvline(n_context - 0.5, color="0.8", lw=1)
    ax.set_ylim(-1.6, 1.6)
    if legend:
        ax.legend(loc="lower left", fontsize=8, ncol=3)


@torch.no_grad()
def test_loop_mem_task(model, dataset, batch_size, to_remember_len):
    """Average loss per sequence and accuracy over the recall window of a copy-task dataset.

    ``dataset[indices]`` gives x ``(B, T, 10)`` and labels ``(B, T)``; the model
    maps x to class scores ``(B, T, 10)``. The loss is ``memory_task_loss``
    summed over all batches and divided by the number of sequences, the
    accuracy ``memory_task_acc`` averaged over all sequences (batches weighted
    by their size). Returns ``(loss, accuracy)``.
    """
    #####Start Subtask 2e#####
    model.eval()
    total_loss = total_hits = 0.0
    for x, y in batches(dataset, batch_size, _device(model)):
        outputs = model(x)
        total_loss += memory_task_loss(outputs, y).item()
        total_hits += memory_task_acc(outputs, y, to_remember_len) * len(y)
    return total_loss / len(dataset), total_hits / len(dataset)
    #####End Subtask#####
