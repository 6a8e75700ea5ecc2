"""Question 1's command line, in the course handout's interface (a test fixture)."""

import argparse

import LinearLayer
import train
from BasicRNNCell import BasicRNNCell

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", type=int, default=3)
    parser.add_argument("--nbr_iters", type=int, default=70000)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--sz_rnn", type=int, default=50)
    parser.add_argument("--sz_vocab", type=int, default=10)
    args = parser.parse_args()
    V = args.sz_vocab
    net = [BasicRNNCell(V, args.sz_rnn), LinearLayer.LinearLayer(args.sz_rnn, V)]
    train.run_train_memory(net, 13, V, args.nbr_iters, V - 2, V - 1, args.lr)
