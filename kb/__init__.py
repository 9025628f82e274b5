"""kb: a knowledge base of concurrency-bug discussions on Linux kernel mailing lists."""

__version__ = "0.1.0"
