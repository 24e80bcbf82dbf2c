"""Publicity activities (宣传, 计划 七（五）) and media adoption (媒体采纳) with screenshot references."""

import uuid
from datetime import date, datetime

from pydantic import Field, computed_field

from app.core.deps import Day
from app.domain.reporting import MediaLevel, PublicityCampaign, counts_as_media_adoption
from app.schemas.common import CountyCode, Input, ListFilter, Output, label_of


class PublicityActivityCreate(Input):
    campaign: PublicityCampaign
    title: str = Field(min_length=1, max_length=200)
    held_on: date
    description: str | None = Field(default=None, max_length=4000)
    media_adopted: bool = Field(default=False, description="媒体、网站采纳")
    media_outlet: str | None = Field(default=None, max_length=128, description="采纳媒体")
    media_level: MediaLevel | None = Field(
        default=None, description="采纳媒体级别: required with media_adopted; 附件3 counts prefecture level and above"
    )
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

    campaign_label = label_of("campaign")

    media_level_label = label_of("media_level", optional=True)

    @computed_field(description="计划 八: counted in 附件3 as a media adoption (地区级以上媒体采纳)")
    @property
    def counts_as_media_adoption(self) -> bool:
        return counts_as_media_adoption(self.media_adopted, self.media_level)


class PublicityFilter(ListFilter):
    county_code: CountyCode = None
    campaign: PublicityCampaign | None = None
    media_adopted: bool | None = None
    media_level: list[MediaLevel] | None = Field(default=None, description="any of these levels (repeat)")
    date_from: Day | None = None
    date_to: Day | None = None
