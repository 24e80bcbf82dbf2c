"""On-site visits (附件2). Other areas reach them through these names."""

from app.services.visits.visits import get_visit

__all__ = ["get_visit"]
