"""o2o: a commerce platform for goods and local services."""

__version__ = "0.1.0"
