"""The sheet's points, the layouts the grader knows, and this package's graded modules."""

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

# This package's graded modules: the functions ``checks.CHECKS`` grades live in them.
GRADED_MODULES = ("BasicRNNCell", "common", "MyLSTMCell", "loops", "memory_task")
