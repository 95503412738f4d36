"""The error that more than one step of the roster flow raises."""


class RosterRefused(Exception):
    """A request about a roster that can't be done now; the message says why."""
