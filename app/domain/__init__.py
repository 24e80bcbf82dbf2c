"""Pure rules of the annual inspection plan (质量监督检查计划).

Every module here is stdlib-only: no I/O, no clock, no web or database imports.
Callers pass `today` and plain inputs; rules return values with their reasons or raise RuleViolation.
"""
