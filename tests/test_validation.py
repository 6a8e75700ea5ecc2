"""Library functions refuse bad shapes and values with a ValueError that says what came."""

import numpy as np
import pytest
import torch

import common as cm
from BasicRNNCell import BasicRNNCell, TorchBasicRNNCell
from LinearLayer import LinearLayer
from memory_task import CharSequenceDataset, memory_task_acc, memory_task_loss
from MyLSTMCell import MyLSTMCell
from sine_task import SineDataset


@pytest.fixture
def cell():
    return BasicRNNCell(4, 3, rng=np.random.default_rng(0))


@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3), (4,), (1, 2, 3, 4), (0, 4)])
def test_fprop_refuses_the_wrong_shape(cell, shape):
    with pytest.raises(ValueError, match=r"xs must have shape \(T, 4\) or \(B, T, 4\).*got"):
        cell.fprop(np.zeros(shape))


def test_bprop_before_fprop(cell):
    with pytest.raises(ValueError, match="bprop called before fprop"):
        cell.bprop(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="bprop called before fprop"):
        LinearLayer(3, 2).bprop(np.zeros((5, 2)))


@pytest.mark.parametrize("shape", [(4, 3), (6, 3), (5, 2), (1, 5, 3)])
def test_bprop_refuses_dys_unlike_the_stored_sequence(cell, shape):
    cell.fprop(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"expects dys of shape \(5, 3\).*got"):
        cell.bprop(np.zeros(shape))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: BasicRNNCell(0, 3), "n_in must be a positive integer"),
        (lambda: BasicRNNCell(3, 2.5), "n_hidden must be a positive integer"),
        (lambda: BasicRNNCell(3, 3, init="ones"), "init must be one of"),
        (lambda: LinearLayer(3, -1), "n_out must be a positive integer"),
        (lambda: MyLSTMCell(3, 0, 1), "hidden_size must be a positive integer"),
        (lambda: TorchBasicRNNCell(3, 4, 1, init="zeros"), "init must be one of"),
    ],
)
def test_constructors_refuse_bad_sizes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("cls", [MyLSTMCell, TorchBasicRNNCell])
def test_torch_cells_refuse_bad_inputs(cls):
    cell = cls(3, 4, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, 3\)"):
        cell(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match=r"x must have shape"):
        cell(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"torch\.float32"):
        cell(torch.zeros(2, 5, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"must be a torch\.Tensor"):
        cell(np.zeros((2, 5, 3)))
    cell(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="continues a batch of 2 sequences, got a batch of 3"):
        cell(torch.zeros(3, 1, 3), reset_hidden_state=False)


def test_loss_and_accuracy_refuse_bad_labels():
    outputs = torch.zeros(2, 6, 10)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\), got values from 0 to 10"):
        memory_task_loss(outputs, torch.tensor([[0] * 6, [10] * 6]))
    with pytest.raises(ValueError, match="long class indices"):
        memory_task_loss(outputs, torch.zeros(2, 6))
    with pytest.raises(ValueError, match=r"ground_truth \(B, T\), got \(2, 6, 10\) and \(2, 5\)"):
        memory_task_acc(outputs, torch.zeros(2, 5, dtype=torch.long), 2)
    with pytest.raises(
        ValueError, match=r"to_remember_len must be an integer in \[1, T=6\], got 7"
    ):
        memory_task_acc(outputs, torch.zeros(2, 6, dtype=torch.long), 7)


def test_cross_entropy_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        cm.cross_entropy(np.zeros((3, 10)), np.zeros((3, 9)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to_remember_len": 0}, "to_remember_len must be an integer >= 1"),
        ({"blank_len": -1}, "blank_len must be an integer >= 0"),
        ({"delim_idx": 10}, r"delim_idx must be an integer in \[0, 10\)"),
        ({"blank_idx": 9}, "delim_idx and blank_idx must differ"),
        ({"n_vocab": 2, "delim_idx": 0, "blank_idx": 1}, "n_vocab must be an integer >= 3"),
        ({"batch_size": 0}, "n_sequences must be a positive integer"),
    ],
)
def test_generate_data_memory_refuses_bad_arguments(kwargs, message):
    arguments = {"to_remember_len": 3, "n_vocab": 10, "delim_idx": 9, "blank_idx": 8, **kwargs}
    with pytest.raises(ValueError, match=message):
        cm.generate_data_memory(**arguments)


def test_run_memory_test_refuses_a_window_longer_than_the_sequence():
    net = [BasicRNNCell(10, 4), LinearLayer(4, 10)]
    with pytest.raises(ValueError, match="to_remember_len"):
        cm.run_memory_test(net, 0, 10, 9, 8)


def test_datasets_refuse_bad_sizes():
    with pytest.raises(ValueError, match="blank_len must be an integer >= 0"):
        CharSequenceDataset(10, 3, -2)
    with pytest.raises(ValueError, match="num_samples must be a positive integer"):
        SineDataset(0)
    with pytest.raises(ValueError, match="seq_len must be an integer >= 2"):
        SineDataset(3, seq_len=1)


@pytest.mark.parametrize("grads", [[np.ones(2), [1.0, 2.0]], np.arange(3), "grad"])
def test_clip_gradients_refuses_non_float_arrays(grads):
    with pytest.raises(ValueError, match="grads must be a float numpy array"):
        cm.clip_gradients(grads, 1.0)
