"""The one domain error type. Services raise it; the UI and the API show its message."""


class ApplicationError(Exception):
    """A request the rules refuse: wrong state, bad date, missing field.

    ``message`` is shown to the user as it is (Chinese); ``field`` names the input it is
    about, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
