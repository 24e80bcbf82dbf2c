from app.schemas.common import Output


class JurisdictionRead(Output):
    code: str
    name: str
    level: str
    parent_code: str | None
