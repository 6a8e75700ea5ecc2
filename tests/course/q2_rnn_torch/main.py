"""Question 2's command line, in the course handout's interface (a test fixture)."""

import argparse

import torch

from BasicRNNCell import BasicRNNCell
from CharSequenceDataset import CharSequenceDataset
from loops import test_loop_mem_task, test_loop_sines, train_loop
from memory_task import memory_task_loss
from MyLSTMCell import MyLSTMCell
from SineDataset import SineDataset


def make_optimizer(lr):
    return lambda params: torch.optim.Adam(params, lr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", type=int, default=2)
    parser.add_argument("--num_epochs", type=int, default=400)
    parser.add_argument("--batch_sz", type=int, default=500)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--rnn_sz", type=int, default=32)
    parser.add_argument("--rnn_type", type=str, default="LSTM")
    flags, _ = parser.parse_known_args()
    cells = {"BasicRNN": BasicRNNCell, "LSTM": MyLSTMCell}
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if flags.task == 1:
        cell = cells[flags.rnn_type](1, flags.rnn_sz, 1, device)
        model = train_loop(
            flags.num_epochs,
            cell,
            make_optimizer(flags.lr),
            torch.nn.MSELoss(),
            flags.batch_sz,
            SineDataset(10000, 100, 0.15),
        )
        test_loop_sines(model, SineDataset(5, 130, 0.15), 30)
    elif flags.task == 2:
        cell = cells[flags.rnn_type](10, flags.rnn_sz, 10, device)
        model = train_loop(
            flags.num_epochs,
            cell,
            make_optimizer(flags.lr),
            memory_task_loss,
            flags.batch_sz,
            CharSequenceDataset(10000, 8, 5),
        )
        test_loop_mem_task(model, CharSequenceDataset(1000, 8, 5), flags.batch_sz, 8)
