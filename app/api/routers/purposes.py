"""The purpose catalogue: what each consent purpose allows at most, for clients to plan within."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import ContainerDep, CurrentPrincipal
from app.domain.purposes import PurposeTemplate
from app.services.consents.purposes import catalogue_for

router = APIRouter(prefix="/v1/purposes", tags=["consents"])


class FrequencyCap(BaseModel):
    count: int
    unit: str


class PurposeRead(BaseModel):
    code: str
    text: str
    max_validity_days: int
    max_frequency: FrequencyCap
    max_data_range_days: int
    max_data_life_days: int
    document_types: list[str]
    fetch_types: list[str]

    @classmethod
    def of(cls, t: PurposeTemplate) -> PurposeRead:
        return cls(
            code=t.code,
            text=t.text,
            max_validity_days=t.max_validity.days,
            max_frequency=FrequencyCap(count=t.max_frequency.count, unit=t.max_frequency.unit),
            max_data_range_days=t.max_data_range.days,
            max_data_life_days=t.max_data_life_days,
            document_types=sorted(t.document_types),
            fetch_types=sorted(t.fetch_types),
        )


@router.get("", response_model=list[PurposeRead])
def list_purposes(principal: CurrentPrincipal, container: ContainerDep) -> list[PurposeRead]:
    """Every purpose a consent may name, with its caps (requests beyond them get 422)."""
    return [PurposeRead.of(t) for t in catalogue_for(container.settings)]
