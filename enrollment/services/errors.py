"""The error that every enrollment service raises."""


class EnrollmentError(Exception):
    """A rule refused the change; the message is for the person who asked."""
