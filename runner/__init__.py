"""What runs the exercise's experiments: the task table, the output folder and checkpoints, how a
run stops, the memory estimate and the curricula.

It imports the exercise's modules at the top of the repository; they never import it.
"""
