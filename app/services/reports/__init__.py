"""Reporting upward (附件3), publicity, disclosure and the public results page."""
