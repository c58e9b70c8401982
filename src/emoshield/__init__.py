"""emoshield: speech emotion recognition that shields who is speaking.

The package face holds only the version, so that ``emoshield --help`` starts
without numpy, pandas or torch; the library lives in its subpackages
(docs/architecture.md).
"""

__version__ = "0.1.0"
