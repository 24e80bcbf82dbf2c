from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class Jurisdiction(SQLModel, table=True):
    """A node of the jurisdiction tree, keyed by administrative code (GB/T 2260): the region (自治区, 650000), its
    prefectures (地州市, 654200 塔城地区 …) and their counties/county-level cities (县/市).

    `path` is the codes from the root down, each followed by "/" (`650000/654200/654201/`): a node's subtree is
    every row whose path starts with the node's, which is how every scope is decided (services/common/access.py).
    """

    # varchar_pattern_ops: `path LIKE '650000/654200/%'` is an index range scan whatever the database's collation
    __table_args__ = (Index("ix_jurisdiction_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=64)
    level: str = Field(max_length=16)  # region | prefecture | county
    parent_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12)
    path: str = Field(max_length=64)
