"""ruralops: the nightly customer-data operations pipeline of a rural credit union.

One sub-package per stage; see docs/architecture.md for the map.
"""

__version__ = "0.1.0"
