"""The errors the leadership business functions raise besides ``PermissionDenied`` (answered 403)."""


class StateError(Exception):
    """The step is not possible in the record's current state; the message says why (answered 409)."""


class InputsUnaddressed(StateError):
    """A review cannot close: ``codes`` are the 9.3.2 inputs that still have no notes."""

    def __init__(self, message: str, codes: list[str]) -> None:
        super().__init__(message)
        self.codes = codes
