"""The bank's batch file exchange: file contracts, and the data/control/flag file convention.

Every file type is declared once in ``contracts.yml``. The simulator writes files from it,
the collector parses and loads them from it, and the raw table DDL is generated from it.
"""
