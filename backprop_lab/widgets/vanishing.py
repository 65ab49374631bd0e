"""Placeholder: replaced by the real explorers."""


def vanishing_explorer(*args, **kwargs):
    """Not built yet."""
    raise NotImplementedError("vanishing_explorer is not built yet")
