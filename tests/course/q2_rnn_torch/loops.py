"""Training and test loops, in the course handout's interface (a test fixture)."""

import torch
from torch.utils.data import DataLoader

from memory_task import memory_task_acc, memory_task_loss


def train_loop(num_epochs, model, init_optimizer, loss_func, batch_size, dataset):
    loader = DataLoader(dataset, batch_size, shuffle=True)
    optimizer = init_optimizer(model.parameters())
    for _ in range(num_epochs):
        avg_loss = 0.0
        for inputs, targets in loader:
            #####Start Subtask 2d#####
            optimizer.zero_grad()
            outputs = model(inputs, reset_hidden_state=True)
            loss = loss_func(outputs, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            avg_loss += loss.item()
            #####End Subtask#####
    return model


def test_loop_sines(model, dataset, n_context=30):
    with torch.no_grad():
        return [model(x[None, :n_context, None]) for x, _ in dataset]


def test_loop_mem_task(model, dataset, batch_size, to_remember_len):
    loader = DataLoader(dataset, batch_size)
    avg_loss, avg_acc = 0.0, 0.0
    with torch.no_grad():
        for inputs, targets in loader:
            #####Start Subtask 2f#####
            outputs = model(inputs)
            avg_loss += memory_task_loss(outputs, targets).item()
            avg_acc += memory_task_acc(outputs, targets, to_remember_len)
            #####End Subtask#####
    print(f"Average test loss across batches: {avg_loss / len(loader)}")
    print(f"Average test accuracy across batches: {avg_acc / len(loader)}")
