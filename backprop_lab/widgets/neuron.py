"""Placeholder: replaced by the real explorers."""


def neuron_explorer(*args, **kwargs):
    """Not built yet."""
    raise NotImplementedError("neuron_explorer is not built yet")
