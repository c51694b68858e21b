"""calclab: a desktop lab for the calculus behind neural networks."""

__version__ = "0.1.0"
