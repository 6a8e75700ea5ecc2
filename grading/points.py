"""The sheet's points and how they divide among the grader's checks: the one table."""

from dataclasses import dataclass

# Sub-question: points on the sheet.
SHEET = {
    "1a": 2,
    "1b": 3,
    "1c": 0,
    "1d": 1,
    "1e": 2,
    "1f": 1,
    "2a": 1,
    "2b": 5,
    "2c": 2,
    "2d": 1,
    "2e": 1,
}
TOTAL = sum(SHEET.values())

OWN, COURSE = "own", "course"
LAYOUTS = {
    OWN: "this package's handout",
    COURSE: "the course's WS 2023/24 handout (q1_bptt_for_torch/, q2_rnn_torch/)",
}
Q1, Q2 = "q1_bptt_for_torch", "q2_rnn_torch"


@dataclass(frozen=True)
class Check:
    """One check: its sub-question, name, points, the probe part it reads, what it compares,
    and the function it grades in each layout (``module.function``)."""

    label: str
    name: str
    points: float
    part: str
    what: str
    own: str
    course: str

    def where(self, layout):
        return self.own if layout == OWN else self.course


def _q1(function):
    return f"{Q1}/{function}"


_FPROP, _BPROP = "BasicRNNCell.fprop", "BasicRNNCell.bprop"
_LSTM = "MyLSTMCell.forward"

CHECKS = [
    Check("1a", "hs", 1, "first", "h_t of one sequence against torch.nn.RNN (ReLU)",
          _FPROP, _q1(_FPROP)),
    Check("1a", "h_0", 1, "second", "a second sequence starts again from h_0 = 0",
          _FPROP, _q1(_FPROP)),
    Check("1b", "dW_hh", 1, "bptt", "dW_hh against torch autograd", _BPROP, _q1(_BPROP)),
    Check("1b", "dW_hx", 0.5, "bptt", "dW_hx against torch autograd", _BPROP, _q1(_BPROP)),
    Check("1b", "db_h", 0.5, "bptt", "the bias gradient against torch autograd",
          _BPROP, _q1(_BPROP)),
    Check("1b", "dxs", 1, "bptt", "dxs against torch autograd", _BPROP, _q1(_BPROP)),
    Check("1d", "above", 0.5, "above", "gradients above the threshold scaled in place",
          "common.clip_gradients", _q1("common.clip_gradient")),
    Check("1d", "below", 0.5, "below", "gradients within the threshold left unchanged",
          "common.clip_gradients", _q1("common.clip_gradient")),
    Check("1e", "case_a", 1, "case_a", "the accuracy of a network of known accuracy",
          "common.run_memory_test", _q1("test.run_memory_test")),
    Check("1e", "case_b", 1, "case_b", "the same, another network and vocabulary layout",
          "common.run_memory_test", _q1("test.run_memory_test")),
    Check("1f", "identity", 1, "identity", "W_hh is the identity",
          "BasicRNNCell.__init__", _q1("BasicRNNCell.__init__")),
    Check("2a", "params", 1, "params",
          "trainable parameters for four gates and a read-out, not constant",
          "MyLSTMCell.__init__", f"{Q2}/MyLSTMCell.__init__"),
    Check("2b", "outputs", 1, "lstm", "outputs against torch.nn.LSTM with the same weights",
          _LSTM, f"{Q2}/{_LSTM}"),
    Check("2b", "dweight_ih", 1, "lstm", "input weights' gradients against torch autograd",
          _LSTM, f"{Q2}/{_LSTM}"),
    Check("2b", "dweight_hh", 1, "lstm", "hidden weights' gradients against torch autograd",
          _LSTM, f"{Q2}/{_LSTM}"),
    Check("2b", "dbias", 1, "lstm", "biases' and read-out's gradients against torch autograd",
          _LSTM, f"{Q2}/{_LSTM}"),
    Check("2b", "continue", 1, "lstm", "reset_hidden_state=False continues from the last state",
          _LSTM, f"{Q2}/{_LSTM}"),
    Check("2c", "steps", 1, "steps", "SGD epochs against the grader's own, no clipping needed",
          "loops.train_loop", f"{Q2}/loops.train_loop"),
    Check("2c", "clipped", 1, "clipped", "SGD epochs with the gradient clipped to norm 5",
          "loops.train_loop", f"{Q2}/loops.train_loop"),
    Check("2d", "loss", 1, "loss", "the loss and its gradient against cross_entropy",
          "memory_task.memory_task_loss", f"{Q2}/memory_task.memory_task_loss"),
    Check("2e", "accuracy", 0.5, "accuracy", "the accuracy against a direct count",
          "memory_task.memory_task_acc", f"{Q2}/memory_task.memory_task_acc"),
    Check("2e", "test_loop", 0.5, "test_loop", "loss and accuracy of the whole test set",
          "loops.test_loop_mem_task", f"{Q2}/loops.test_loop_mem_task"),
]  # fmt: skip

# This package's graded modules: the functions of the checks above live in them.
GRADED_MODULES = ("BasicRNNCell", "common", "MyLSTMCell", "loops", "memory_task")
