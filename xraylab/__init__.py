"""xraylab: train, compare, explain and ship X-ray image classifiers."""
import os

# TensorFlow prints pages of C++ start-up notices (no GPU found, duplicate plugin registrations) on every
# import; they hide the stage's own output. A user who sets the variable keeps their own level.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
