"""1c, the exploding gradient: 0 points; the sheet asks to run the given code and look."""

LABEL = "1c"
NOTE = "run_exploding_grads_test is given: nothing to grade"
PARTS = {}
CHECKS = []


def draw(rng, layout):
    return None
