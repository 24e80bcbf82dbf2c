"""Enterprise imports: uploads checked, applied all-or-nothing, run inline or as jobs."""

from app.services.imports.jobs import RUN_IMPORT, run_import, run_queued_import
from app.services.imports.service import reseal_kept_sources

__all__ = ["RUN_IMPORT", "reseal_kept_sources", "run_import", "run_queued_import"]
