"""1e, ``run_memory_test``: the accuracy on fresh memorization sequences, after the delimiter.

The group's function tests a network whose accuracy the grader fixed in
advance (``OracleLayer``); the accuracy it returns, or prints, must be that
one, as a fraction or in percent, over the L positions after the delimiter
or the L + 1 from it on.
"""

import numpy as np

from .base import Check, Printed, Probe, find_printed, printed_numbers, readings

LABEL = "1e"
PRINTED_LIMIT = 500  # numbers kept of what a test printed: its last ones


def _percent(readings):
    return readings | {f"{name}, in percent": 100 * value for name, value in readings.items()}


def draw(rng, layout):
    spec, inputs, expected = {}, {}, {}
    # The course's data generator draws symbols below the delimiter and the blank.
    case_b = (7, 5, 6) if layout.name == "course" else (7, 0, 1)
    for case, V, delim, blank in (("case_a", 10, 8, 9), ("case_b", *case_b)):
        L = int(rng.integers(4, 9))
        right = np.zeros(L, dtype=bool)
        right[rng.choice(L, int(rng.integers(1, L)), replace=False)] = True
        k = int(right.sum())
        spec[case] = {"L": L, "V": V, "delim": delim, "blank": blank}
        inputs[case] = right.astype(np.float64)
        expected[case] = {
            "readings": _percent(
                {
                    f"the {L} positions after the delimiter": k / L,
                    f"the {L + 1} positions from the delimiter on": (k + 1) / (L + 1),
                }
            ),
            "mistakes": _percent({"the accuracy over the whole sequence": (k + 1) / (2 * L + 1)}),
        }
    return Probe(spec, inputs, expected)


class OracleLayer:
    """A network layer whose accuracy on the memorization task is known in advance.

    It reads c_1..c_L and the delimiter from its input and outputs scores that
    are right exactly at the delimiter and at the recall positions i where
    ``right[i]``, and wrong everywhere else (before the delimiter it says
    "delimiter", at a wrong recall position "blank"; neither is ever the target
    there). Input ``(T, V)`` or ``(B, T, V)``, output the same shape.
    """

    def __init__(self, to_remember_len, delim_idx, blank_idx, right):
        self.L, self.delim, self.blank, self.right = to_remember_len, delim_idx, blank_idx, right

    def fprop(self, xs):
        xs = np.asarray(xs)
        idx = xs.argmax(axis=-1).reshape(-1, xs.shape[-2])
        guess = np.full_like(idx, self.delim)
        for row, seq in zip(guess, idx, strict=True):
            p = int(np.argmax(seq == self.delim))
            row[p] = self.blank
            recall = np.where(self.right, seq[: self.L], self.blank)
            row[p + 1 : p + 1 + self.L] = recall[: len(row) - p - 1]
        return 10.0 * np.eye(xs.shape[-1])[guess].reshape(xs.shape)

    def bprop(self, dys):
        raise NotImplementedError("the oracle layer is for testing only")

    def get_params(self):
        return iter(())

    def clear_stored_states(self):
        pass

    def clear_stored_derivs(self):
        pass

    def update_weights(self, *args, **kwargs):
        pass


def as_printed(text):
    """What was printed, as an array ``(n, 3)``: value, resolution, significant digits."""
    numbers = printed_numbers(text)[-PRINTED_LIMIT:]
    return np.array([(n.value, n.resolution, n.digits) for n in numbers]).reshape(-1, 3)


def from_printed(array):
    return [Printed(float(v), float(r), int(d)) for v, r, d in np.asarray(array).reshape(-1, 3)]


def _memory_test(case):
    def memory_test(layout, spec, inputs):
        c = spec[case]
        net = [OracleLayer(c["L"], c["delim"], c["blank"], inputs[case].astype(bool))]
        returned, printed = layout.memory_test(net, c["L"], c["V"], c["delim"], c["blank"])
        if returned is not None:
            return {"accuracy": float(returned)}
        return {"printed": as_printed(printed), "reading": "as printed"}

    return memory_test


PARTS = {"case_a": _memory_test("case_a"), "case_b": _memory_test("case_b")}


def judge_printed_or_returned(found, expected, what):
    """A value returned, or one printed anywhere, against the readings and known mistakes."""
    if "accuracy" in found:
        return readings(found["accuracy"], expected["readings"], what, expected["mistakes"])
    numbers = from_printed(found.get("printed", ()))
    hit = find_printed(numbers, expected["readings"])
    if hit:
        return True, f"{what} printed as {hit[1].value:g} matches the reading: {hit[0]}"
    mistake = find_printed(numbers, expected["mistakes"])
    if mistake:
        return False, f"{what} printed as {mistake[1].value:g} is what {mistake[0]} gives"
    listed = ", ".join(f"{v:.6g} ({n})" for n, v in expected["readings"].items())
    return False, f"no printed number is {what}; expected one of {listed}"


def judge_memory_test(check, probe, answer):
    """The accuracy of a network of known accuracy, against every reading of it."""
    return judge_printed_or_returned(answer.found, probe.expected[check.name], "the accuracy")


CHECKS = [
    Check(LABEL, "case_a", 1, "case_a", "the accuracy of a network of known accuracy",
          judge_memory_test),
    Check(LABEL, "case_b", 1, "case_b", "the same, another network and vocabulary layout",
          judge_memory_test),
]  # fmt: skip
