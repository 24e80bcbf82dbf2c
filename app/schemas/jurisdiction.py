from app.domain.permissions import NodeLevel
from app.schemas.common import Output, label_of


class JurisdictionRead(Output):
    code: str
    name: str
    level: NodeLevel
    level_label = label_of("level", "级别（中文）")
    parent_code: str | None
