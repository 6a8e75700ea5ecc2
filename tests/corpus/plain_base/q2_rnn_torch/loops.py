import torch
from torch.utils.data import Dataset, DataLoader
from torch.optim import Optimizer
from typing import Any, Callable
from AbstractRNNCell import AbstractRNNCell
from SineDataset import SineDataset
from CharSequenceDataset import CharSequenceDataset
from memory_task import memory_task_loss, memory_task_acc

import matplotlib.pyplot as plt


def train_loop(num_epochs, model: AbstractRNNCell,
               init_optimizer: Callable[[Any], Optimizer], loss_func: Callable,
               batch_size: int, dataset: Dataset) -> AbstractRNNCell:
    """Train model on dataset for num_epochs epochs and return it.
    init_optimizer gets the parameters and gives back the optimizer,
    loss_func gets (outputs, ground truth)."""
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    model = model.to(device)
    train_loader = DataLoader(dataset, batch_size, shuffle=True)
    optimizer = init_optimizer((model.parameters()))
    for e in range(num_epochs):

        avg_loss = 0
        num_batches = 0
        for (batch_idx, batch) in enumerate(train_loader):
            #####Insert your code here for subtask 2d#####
            inputs = batch[0].to(device)
            targets = batch[1].to(device)
            optimizer.zero_grad()
            outputs = model(inputs, reset_hidden_state=True)
            loss = loss_func(outputs, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            avg_loss += loss.item()
            num_batches += 1
        avg_loss /= num_batches
        print("Epoch {0}, loss {1}".format(e, avg_loss))

    return model


def test_loop_sines(model: AbstractRNNCell, dataset: SineDataset,
                    num_bootstrap_samples: int):
    """Let the model continue sine curves after num_bootstrap_samples given
    samples and save one plot per curve."""
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    # the whole test set is one batch
    loader = DataLoader(dataset, batch_size=len(dataset), shuffle=False)
    with torch.no_grad():
        for (batch_idx, batch) in enumerate(loader):
            seqs = batch[0].to(device)
            n_pred = seqs.shape[1] - num_bootstrap_samples
            # warm up on the given samples, keep the state in between
            for s in range(num_bootstrap_samples):
                pred = model.forward(seqs[:, s, ...], reset_hidden_state=(s == 0))
            preds = torch.zeros((batch[0].shape[0], n_pred))
            # then the model gets its own last prediction as input
            for s in range(n_pred):
                pred = model.forward(pred, reset_hidden_state=False)
                preds[:, s] = pred
        for seq_ind in range(batch[0].shape[0]):
            truth = batch[1][seq_ind, num_bootstrap_samples:].cpu().numpy()
            xs = dataset.sin_arg_points[batch_idx, 1 + num_bootstrap_samples:]
            plt.figure()
            plt.plot(xs, truth, color='red', linestyle='none', marker='.', label='Ground truth')
            plt.plot(xs, preds[seq_ind, :], color='blue', linestyle='none',
                     marker='.', label='Predicted')
            plt.legend()
            plt.savefig('Out_{0}_{1}.png'.format(model.get_rnn_type(), seq_ind))


def test_loop_mem_task(model: AbstractRNNCell, dataset: CharSequenceDataset,
                       batch_size: int, to_remember_len: int):

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    test_loader = DataLoader(dataset, batch_size)
    avg_loss = 0
    avg_acc = 0
    num_batches = 0
    #####Insert your code here for subtask 2f#####
    with torch.no_grad():
        for (batch_idx, batch) in enumerate(test_loader):
            inputs = batch[0].to(device)
            targets = batch[1].to(device)
            outputs = model(inputs, reset_hidden_state=True)
            avg_loss += memory_task_loss(outputs, targets).item()
            avg_acc += memory_task_acc(outputs, targets, to_remember_len).item()
            num_batches += 1
    avg_loss /= num_batches
    avg_acc /= num_batches
    print("Average test loss across batches: {}".format(avg_loss))
    print("Average test accuracy across batches: {}".format(avg_acc))
