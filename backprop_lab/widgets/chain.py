"""Placeholder: replaced by the real explorers."""


def chain_rule_explorer(*args, **kwargs):
    """Not built yet."""
    raise NotImplementedError("chain_rule_explorer is not built yet")


def expression_explorer(*args, **kwargs):
    """Not built yet."""
    raise NotImplementedError("expression_explorer is not built yet")


def graph_stepper(*args, **kwargs):
    """Not built yet."""
    raise NotImplementedError("graph_stepper is not built yet")
