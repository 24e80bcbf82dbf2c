"""Workbooks the ledger reads and writes: python-calamine to read uploads fast, openpyxl to write styled sheets."""
