"""The one exception a user can cause.

Anything a person can get wrong (a bad name, a missing environment, a failing hook)
raises UserError; the CLI prints it as one line, ``envwrap: <message>``, on stderr
and exits non-zero. Any other exception is a bug in envwrap.
"""


class UserError(Exception):
    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status
