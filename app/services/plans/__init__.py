"""Annual plans (附件1), their lines, progress and draws. Other areas reach them through these names."""

from app.services.plans.kept import Difference, figures_kept, rebuild_figures, verify_figures
from app.services.plans.progress import plan_progress
from app.services.plans.recompute import raise_lines_by_time, recompute_for_enterprise
from app.services.plans.rules import counting_visit

__all__ = [
    "Difference",
    "counting_visit",
    "figures_kept",
    "plan_progress",
    "raise_lines_by_time",
    "rebuild_figures",
    "recompute_for_enterprise",
    "verify_figures",
]
