"""The sheet's points and how they divide among the grader's checks: the one table."""

# Sub-question: (points on the sheet, the modules its checks import).
SHEET = {
    "1a": (2, ("BasicRNNCell",)),
    "1b": (3, ("BasicRNNCell",)),
    "1c": (0, ()),
    "1d": (1, ("common",)),
    "1e": (2, ("common",)),
    "1f": (1, ("BasicRNNCell",)),
    "2a": (1, ("MyLSTMCell",)),
    "2b": (5, ("MyLSTMCell",)),
    "2c": (2, ("loops",)),
    "2d": (1, ("memory_task",)),
    "2e": (1, ("memory_task", "loops")),
}

GRADED_MODULES = ("BasicRNNCell", "common", "MyLSTMCell", "loops", "memory_task")

# (sub-question, check, points, the child's part it reads, what it compares)
CHECKS = [
    ("1a", "hs", 1, "first", "h_t of one sequence against torch.nn.RNN (ReLU)"),
    ("1a", "h_0", 1, "second", "a second sequence starts again from h_0 = 0"),
    ("1b", "dW_hh", 1, "bptt", "dW_hh against torch autograd"),
    ("1b", "dW_hx", 0.5, "bptt", "dW_hx against torch autograd"),
    ("1b", "db_h", 0.5, "bptt", "db_h against torch autograd"),
    ("1b", "dxs", 1, "bptt", "dxs against torch autograd"),
    (
        "1d",
        "above",
        0.5,
        "above",
        "gradients above the threshold scaled in place like clip_grad_norm_",
    ),
    ("1d", "below", 0.5, "below", "gradients within the threshold left unchanged"),
    ("1e", "case_a", 1, "case_a", "run_memory_test on a network of known accuracy"),
    ("1e", "case_b", 1, "case_b", "run_memory_test, another network and vocabulary layout"),
    ("1f", "identity", 1, "identity", "BasicRNNCell(init='identity') sets W_hh = I"),
    ("2a", "params", 1, "params", "weight_ih (4H, I), weight_hh (4H, H), bias (4H,) as parameters"),
    ("2b", "outputs", 1, "lstm", "outputs against torch.nn.LSTM with the same weights"),
    ("2b", "dweight_ih", 1, "lstm", "d weight_ih against torch autograd on torch.nn.LSTM"),
    ("2b", "dweight_hh", 1, "lstm", "d weight_hh against torch autograd on torch.nn.LSTM"),
    ("2b", "dbias", 1, "lstm", "d bias against torch autograd on torch.nn.LSTM"),
    ("2b", "continue", 1, "continue", "reset_hidden_state=False continues from the last (h, c)"),
    (
        "2c",
        "steps",
        1,
        "steps",
        "train_loop: SGD epochs against the grader's own, no clipping needed",
    ),
    ("2c", "clipped", 1, "clipped", "train_loop: SGD epochs with the gradient clipped to norm 5"),
    ("2d", "loss", 1, "loss", "memory_task_loss and its gradient against cross_entropy"),
    ("2e", "accuracy", 0.5, "accuracy", "memory_task_acc against a direct count"),
    (
        "2e",
        "test_loop",
        0.5,
        "test_loop",
        "test_loop_mem_task against loss and accuracy of the whole set",
    ),
]

TOTAL = sum(points for points, _ in SHEET.values())
