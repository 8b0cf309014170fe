"""The shape of an indicator pack, validated with pydantic (unknown keys are errors).

These models only describe what a pack file may say. ``packs.py`` loads the file, turns
pydantic's errors into ``file:line: key.path: message``, and compiles formulas and rules.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from lifeservices_cli.values import FieldType

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Model):
    """Text in Chinese and English."""

    zh: Text
    en: Text

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class FieldSpec(_Model):
    """One column of an entity's data."""

    type: FieldType
    title: Localized
    unit: str | None = None
    aliases: list[Text] = Field(default_factory=list)
    description: str | None = None
    minimum: float | int | None = None
    default_when_absent: bool | float | int | str | None = Field(
        default=None,
        description="Value every record takes when the column is missing from a file (the report says so).",
    )


class EntitySpec(_Model):
    """A kind of record: community, compound, facility, ..."""

    title: Localized
    description: str | None = None
    fields: dict[Name, FieldSpec]


class Clause(_Model):
    """Where in the plan an indicator comes from, with the words it quotes."""

    ref: Text = Field(description="Section and item, e.g. 二(二)4 or 三(三).")
    section: Text
    item: str | None = None
    quote: Text


class RuleSpec(_Model):
    comparator: Text
    threshold: float | int | bool | str
    unit: str | None = None


class Criterion(_Model):
    """A metric compared with a threshold: ``metric`` is a formula over the entity's fields."""

    metric: Text
    rule: Text | RuleSpec
    unit: str | None = None
    title: Localized | None = None


class AggregateSpec(_Model):
    of: Id = Field(description="The record-level indicator whose results are counted.")
    by: Name = Field(default="district", description="The field that forms the groups.")
    measure: Literal["pass_rate"] = "pass_rate"


class Indicator(_Model):
    id: Id
    title: Localized
    clause: Clause
    departments: list[Text] = Field(min_length=1)
    entity: Name
    kind: Literal["standard", "eligibility", "aggregate"]
    applies_if: Text | None = None
    applies_title: Localized | None = None
    metric: Text | None = None
    metric_title: Localized | None = None
    rule: Text | RuleSpec | None = None
    unit: str | None = None
    all_of: list[Criterion] | None = Field(default=None, min_length=1)
    any_of: list[Criterion] | None = Field(default=None, min_length=1)
    aggregate: AggregateSpec | None = None
    shortfall: Shortfall | None = None
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way_to_check(self) -> Indicator:
        ways = [self.metric is not None, self.all_of is not None, self.any_of is not None]
        if self.kind == "aggregate":
            if self.aggregate is None or self.rule is None:
                raise ValueError("an aggregate indicator needs 'aggregate' and 'rule'")
            if any(ways):
                raise ValueError("an aggregate indicator takes no 'metric', 'all_of' or 'any_of'")
            return self
        if self.aggregate is not None:
            raise ValueError("'aggregate' is only for kind: aggregate")
        if sum(ways) != 1:
            raise ValueError("give exactly one of 'metric' (with 'rule'), 'all_of' or 'any_of'")
        if (self.metric is None) != (self.rule is None):
            raise ValueError("'metric' and 'rule' go together")
        return self


class Shortfall(_Model):
    """What is still to be provided when a record fails, e.g. m² of facility area.

    The formula may use the entity's fields and ``threshold``.
    """

    formula: Text
    unit: str | None = None
    title: Localized


class Pack(_Model):
    id: Id
    title: Localized
    document: Text
    issuers: list[Text] = Field(default_factory=list)
    issued: str | None = None
    source: str | None = None
    notes: list[Text] = Field(default_factory=list)
    entities: dict[Name, EntitySpec] = Field(default_factory=dict)
    indicators: list[Indicator] = Field(default_factory=list)


Indicator.model_rebuild()
