"""Enterprise imports: uploads checked, applied all-or-nothing, run inline or as jobs."""

from app.services.imports.jobs import RUN_IMPORT, run_import, run_queued_import

__all__ = ["RUN_IMPORT", "run_import", "run_queued_import"]
