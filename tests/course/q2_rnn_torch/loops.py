"""Training and test loops, in the course handout's interface (a test fixture)."""

import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader

from memory_task import memory_task_acc, memory_task_loss


def train_loop(num_epochs, model, init_optimizer, loss_func, batch_size, dataset):
    """Train ``model`` on ``dataset`` for ``num_epochs``; returns the model."""
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    model = model.to(device)
    train_loader = DataLoader(dataset, batch_size, shuffle=True)
    optimizer = init_optimizer(model.parameters())
    for e in range(num_epochs):
        avg_loss = 0
        num_batches = 0
        for batch_idx, batch in enumerate(train_loader):
            #####Start Subtask 2d#####
            inputs, targets = batch[0].to(device), batch[1].to(device)
            optimizer.zero_grad()
            outputs = model(inputs, reset_hidden_state=True)
            loss = loss_func(outputs, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            avg_loss += loss.item()
            #####End Subtask#####
            num_batches += 1
        avg_loss /= num_batches
        print(f"Epoch {e}, loss {avg_loss}")
    return model


def test_loop_sines(model, dataset, num_bootstrap_samples):
    """Let the model continue each curve from its first samples; plot each."""
    loader = DataLoader(dataset, batch_size=len(dataset), shuffle=False)
    with torch.no_grad():
        for batch_idx, batch in enumerate(loader):
            given = batch[0]
            for s in range(num_bootstrap_samples):
                o = model.forward(given[:, s, ...], reset_hidden_state=(s == 0))
            outputs = torch.zeros((given.shape[0], given.shape[1] - num_bootstrap_samples))
            for s in range(given.shape[1] - num_bootstrap_samples):
                o = model.forward(o, reset_hidden_state=False)
                outputs[:, s] = o
        for k in range(given.shape[0]):
            steps = dataset.sin_arg_points[batch_idx, 1 + num_bootstrap_samples :]
            plt.figure()
            plt.plot(steps, batch[1][k, num_bootstrap_samples:], "r.", label="Ground truth")
            plt.plot(steps, outputs[k, :], "b.", label="Predicted")
            plt.legend()
            plt.savefig(f"Out_{model.get_rnn_type()}_{k}.png")


def test_loop_mem_task(model, dataset, batch_size, to_remember_len):
    """Print the loss and the accuracy averaged over the batches of ``dataset``."""
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    test_loader = DataLoader(dataset, batch_size)
    avg_loss = 0
    avg_acc = 0
    num_batches = 0
    #####Start Subtask 2f#####
    with torch.no_grad():
        for inputs, targets in test_loader:
            outputs = model(inputs.to(device))
            targets = targets.to(device)
            avg_loss += memory_task_loss(outputs, targets).item()
            avg_acc += float(memory_task_acc(outputs, targets, to_remember_len))
            num_batches += 1
    print(f"Average test loss across batches: {avg_loss / num_batches}")
    print(f"Average test accuracy across batches: {avg_acc / num_batches}")
    #####End Subtask#####
