"""What went wrong in training and what to do: the findings `simplegrad doctor` reads off a
run folder, and the learning-rate range test of `simplegrad lr-find`."""
