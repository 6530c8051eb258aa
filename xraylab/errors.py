"""The base of every error a user can fix; stage scripts print these as one line, without a traceback."""


class UserError(Exception):
    """Something in params, the data or the pipeline's state is wrong; the message says what and where."""
