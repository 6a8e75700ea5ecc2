"""Question 2's command line, in the course handout's interface (a test fixture)."""

import argparse

import torch

import loops
from BasicRNNCell import BasicRNNCell
from CharSequenceDataset import CharSequenceDataset
from memory_task import memory_task_loss
from MyLSTMCell import MyLSTMCell

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", type=int, default=2)
    parser.add_argument("--num_epochs", type=int, default=400)
    parser.add_argument("--batch_sz", type=int, default=500)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--rnn_sz", type=int, default=32)
    parser.add_argument("--rnn_type", default="BasicRNN", choices=["BasicRNN", "LSTM"])
    args = parser.parse_args()
    cell = MyLSTMCell if args.rnn_type == "LSTM" else BasicRNNCell
    model = cell(10, args.rnn_sz, 10, "cpu")
    data = CharSequenceDataset(1000, 8, 5)
    loops.train_loop(
        args.num_epochs,
        model,
        lambda params: torch.optim.Adam(params, lr=args.lr),
        lambda outputs, targets: memory_task_loss(outputs.float(), targets),
        args.batch_sz,
        data,
    )
    loops.test_loop_mem_task(model, CharSequenceDataset(100, 8, 5), args.batch_sz, 8)
