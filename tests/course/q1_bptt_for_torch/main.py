"""Question 1's command line, in the course handout's interface (a test fixture)."""

import argparse

import train  # first, as the handout's star imports need: train, then test
import data_generator as dg
from BasicRNNCell import BasicRNNCell
from LinearLayer import LinearLayer
from test import run_check_grads, run_exploding_grads_test

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", type=int, default=3)
    parser.add_argument("--nbr_iters", type=int, default=70000)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--sz_rnn", type=int, default=50)
    parser.add_argument("--sz_vocab", type=int, default=10)
    flags, _ = parser.parse_known_args()
    V, H = flags.sz_vocab, flags.sz_rnn
    if flags.task == 1:
        net = [BasicRNNCell(V, H), LinearLayer(H, V)]
        run_check_grads(net, *dg.generate_random_data(3, V), 5)
    elif flags.task == 2:
        net = [BasicRNNCell(V, 10), LinearLayer(10, V)]
        run_exploding_grads_test(net, *dg.generate_random_data(1000, V), 1000, 10)
    elif flags.task == 3:
        net = [BasicRNNCell(V, H), LinearLayer(H, V)]
        train.run_train_memory(net, 13, V, flags.nbr_iters, V - 2, V - 1, flags.lr)
