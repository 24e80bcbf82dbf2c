"""Annual plans (附件1), their lines, progress and draws. Other areas reach them through these names."""

from app.services.plans.progress import plan_progress
from app.services.plans.recompute import raise_lines_by_time, recompute_for_enterprise
from app.services.plans.rules import counting_visit

__all__ = ["counting_visit", "plan_progress", "raise_lines_by_time", "recompute_for_enterprise"]
