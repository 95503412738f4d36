"""The errors that several inventory services raise."""


class InventoryError(Exception):
    """A refused inventory change; the message is for the person who asked."""


class InsufficientStock(InventoryError):
    pass
