"""Base for response models that mirror a stored row attribute for attribute."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class ReadModel(BaseModel):
    """A response read straight off an ORM object, so a new column needs one line, not two."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: Any) -> Self:
        """The response for `row`, taking each field from the attribute of the same name."""
        return cls.model_validate(row)
