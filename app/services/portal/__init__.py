"""The enterprise's own side (issue 18): what an enterprise account sees of its enterprise, the files it uploads,
its self-checks; and the county's view of who files them. Other areas reach it through these names."""

from app.services.portal.files import files_of_enterprise

__all__ = ["files_of_enterprise"]
