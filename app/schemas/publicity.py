"""Publicity activities (宣传, 计划 七（五）) and media adoption (媒体采纳) with screenshot references."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, computed_field

from app.domain.reporting import PublicityCampaign
from app.schemas.common import Input, Output

MediaLevel = Literal["national", "province", "prefecture", "county"]
MEDIA_LEVEL_LABELS = {"national": "国家级", "province": "省（区）级", "prefecture": "地区级", "county": "县（市）级"}


class PublicityActivityCreate(Input):
    campaign: PublicityCampaign
    title: str = Field(min_length=1, max_length=200)
    held_on: date
    description: str | None = Field(default=None, max_length=4000)
    media_adopted: bool = Field(default=False, description="媒体、网站采纳")
    media_outlet: str | None = Field(default=None, max_length=128, description="采纳媒体")
    media_level: MediaLevel | None = None
    media_url: str | None = Field(default=None, max_length=512)
    screenshot_refs: list[str] = Field(
        default_factory=list, max_length=10, description="采纳截图: file references (URL or stored-file id)"
    )
    county_code: str | None = Field(default=None, max_length=12, description="prefecture users: the county")


class PublicityActivityRead(Output):
    id: uuid.UUID
    county_code: str
    campaign: PublicityCampaign
    title: str
    held_on: date
    description: str | None
    media_adopted: bool
    media_outlet: str | None
    media_level: MediaLevel | None
    media_url: str | None
    screenshot_refs: list[str]
    created_by_name: str
    created_at: datetime

    @computed_field
    @property
    def campaign_label(self) -> str:
        return self.campaign.label
