"""The grading kit: score submissions per sub-question of the sheet, and write the handout.

``python -m grading grade`` runs each submission's code in a sandboxed child
process (``sandbox.py``; inside it ``child.py`` and ``parts.py``) on inputs
drawn at grading time, and judges what comes back against references it
computes itself: each check, its points and its judge are one row of
``checks.CHECKS``, the sheet's points are ``points.py``. It reads submissions
from folders, archives and Moodle's download (``submission.py``) and fills
Moodle's worksheet (``moodle.py``).
``python -m grading skeleton`` writes the student handout (``skeleton.py``).
No module here imports a graded module: only ``parts.py``, inside the
sandbox, does.
"""
