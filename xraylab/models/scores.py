"""Keras metrics logged per epoch while a network trains (xraylab.training.train), registered so saved models load."""
from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="xraylab")
class OneHotAUC(keras.metrics.AUC):
    """ROC AUC of a softmax head over several classes, from integer labels as the sparse loss takes them.

    Keras's AUC wants labels shaped like the outputs; here they are one-hot encoded first, and the AUC is the
    micro average over every (image, class) pair. Two-class networks (one sigmoid unit) use keras.metrics.AUC.
    """

    def __init__(self, num_classes: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), self.num_classes)
        if sample_weight is not None:  # one weight an image, for each of its class columns
            sample_weight = tf.repeat(tf.reshape(sample_weight, [-1, 1]), self.num_classes, axis=1)
        return super().update_state(labels, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes}
