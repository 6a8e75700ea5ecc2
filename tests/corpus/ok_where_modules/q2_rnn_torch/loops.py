import torch
from torch.utils.data import Dataset, DataLoader
from torch.optim import Optimizer
from typing import Any, Callable
from AbstractRNNCell import AbstractRNNCell
from SineDataset import SineDataset
from CharSequenceDataset import CharSequenceDataset
from memory_task import memory_task_loss, memory_task_acc

import matplotlib.pyplot as plt

def train_loop(num_epochs, model : AbstractRNNCell, 
               init_optimizer : Callable[[Any], Optimizer], loss_func : Callable, 
               batch_size : int, dataset : Dataset) -> AbstractRNNCell:
    """
    Training of an RNN cell.
    Args:
        -num_epochs: how many passes over the dataset
        -model: the RNN cell to train
        -init_optimizer: gets the model parameters and returns the optimizer
        -loss_func: loss(model output, ground truth)
        -batch_size: size of the mini batches
        -dataset: training data
    Returns:
        the trained model
    """

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    model = model.to(device)
    # shuffled mini batches and the optimizer for our parameters
    train_loader = DataLoader(dataset, batch_size, shuffle=True)
    optimizer = init_optimizer(model.parameters())
    for e in range(num_epochs):

        avg_loss = 0
        num_batches = 0
        for batch_idx, batch in enumerate(train_loader):
            #####Insert your code here for subtask 2d#####
            seqs, targets = batch
            # the char dataset gives one-hot int64, the cell needs floats
            seqs = seqs.to(device).float()
            targets = targets.to(device)

            optimizer.zero_grad()
            preds = model.forward(seqs, reset_hidden_state=True)
            loss = loss_func(preds, targets)
            loss.backward()
            # gradient clipping with norm 5
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()

            avg_loss += loss.item()
            num_batches += 1
        avg_loss /= num_batches
        print("Epoch {0}, loss {1}".format(e, avg_loss))

    return model

def test_loop_sines(model : AbstractRNNCell, dataset : SineDataset, 
                    num_bootstrap_samples : int):
    """
    Lets a trained model continue sine curves and saves one plot per curve.
    Args:
        -model: trained RNN
        -dataset: the test sine curves
        -num_bootstrap_samples: number of true samples the RNN sees before it
        has to continue on its own
    """

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    # everything in one batch
    test_loader = DataLoader(dataset, batch_size=len(dataset), shuffle=False)
    with torch.no_grad():
        for (batch_idx, batch) in enumerate(test_loader):

            seqs = batch[0].to(device)
            # feed the first samples one by one, keeping the state after the first one
            for s in range(num_bootstrap_samples):
                pred = model.forward(seqs[:, s, ...], reset_hidden_state=(s == 0))
            n_predict = seqs.shape[1] - num_bootstrap_samples
            outputs = torch.zeros((batch[0].shape[0], n_predict))
            # from now on the model gets its own last prediction as input
            for s in range(n_predict):
                pred = model.forward(pred, reset_hidden_state=False)
                outputs[:, s] = pred
        for seq_ind in range(batch[0].shape[0]):
            truth = batch[1][seq_ind, num_bootstrap_samples:].cpu().numpy()
            x_axis = dataset.sin_arg_points[batch_idx, 1 + num_bootstrap_samples:]
            # ground truth and prediction in one figure
            plt.figure()
            plt.plot(x_axis, truth, color='red', linestyle='none', marker='.',
                label='Ground truth')
            plt.plot(x_axis, outputs[seq_ind, :], color='blue', linestyle='none',
                marker='.', label='Predicted')
            plt.legend()
            plt.savefig('Out_{0}_{1}.png'.format(model.get_rnn_type(), seq_ind))

def test_loop_mem_task(model : AbstractRNNCell, dataset : CharSequenceDataset,
    batch_size : int, to_remember_len : int):

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    test_loader = DataLoader(dataset, batch_size)
    avg_loss = 0
    avg_acc = 0
    num_batches = 0
    #####Insert your code here for subtask 2f#####
    # the last batch can be smaller, so we weight every batch with its size
    n_samples = 0
    with torch.no_grad():
        for (batch_idx, (seqs, targets)) in enumerate(test_loader):
            seqs = seqs.to(device).float()
            targets = targets.to(device)
            preds = model.forward(seqs, reset_hidden_state=True)
            bs = seqs.shape[0]
            avg_loss += memory_task_loss(preds, targets).item() * bs
            avg_acc += memory_task_acc(preds, targets, to_remember_len).item() * bs
            n_samples += bs
            num_batches += 1
    avg_loss /= n_samples
    avg_acc /= n_samples
    print("mean loss {:.4f}, mean accuracy {:.4f}".format(avg_loss, avg_acc))
