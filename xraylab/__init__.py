"""xraylab: train, compare, explain and ship X-ray image classifiers."""
import os

# Library quirks, set once before TensorFlow is imported anywhere; a user who sets them keeps their value.
# TensorFlow prints pages of C++ start-up notices (no GPU found, duplicate plugin registrations) that hide
# the stage's own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# tensorflowjs imports TF Decision Forests, whose welcome banner imports IPython (not installed) whenever
# stdout is not a terminal: under pytest, in CI, or piped to a file.
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
