"""The grading kit: score submissions per sub-question of the sheet, and write the handout.

``python -m grading grade`` runs each submission's code in a sandboxed child
process (``sandbox.py``; inside it ``child.py`` and the ``questions``
package) on inputs drawn at grading time from one seed per batch, and judges
what comes back against references it computes itself. Everything about one
sub-question is one module of ``questions/`` (``q1a.py`` ... ``q2e.py``): its
checks and points, what it draws, what the sandbox runs, how it is judged,
the readings it accepts and the mistakes it names. How each handout lays out
and calls the sub-questions is a ``Layout`` (``questions/layouts.py``): a
new check is one question's module, a new handout one ``Layout``. The
sheet's points are ``points.py``. Submissions are read from folders,
archives and Moodle's download (``submission.py``), Moodle's worksheet is
filled by ``moodle.py``. ``python -m grading skeleton`` writes the student
handout (``skeleton.py``). No module here imports a graded module: only the
questions' parts do, inside the sandbox.
"""
