"""The error of a roster file refused as a whole (raised while sniffing, opening or reading it)."""


class RosterFileError(Exception):
    """The file is refused as a whole; the message says why, for the person who sent it."""
