"""The shape of an indicator pack, validated with pydantic (unknown keys are errors).

These models only describe what a pack file may say. ``packs.py`` loads the file, turns
pydantic's errors into ``file:line: key.path: message``, and compiles formulas and rules.

Start-up time: annotations are plain (no ``from __future__ import annotations``), so each class
comes after the classes it names and pydantic has no strings to evaluate; default factories are
Python functions, whose signature pydantic reads cheaply (that of ``list`` or ``dict`` it would
parse from text).
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from lifeservices_cli.semantics.values import FieldType

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1)]
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
RuleText = Annotated[str, StringConstraints(min_length=1)]


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
    entry_unit: str | None = Field(
        default=None, description="The unit a data-entry template asks for (e.g. 万元 for a field kept in 元)."
    )
    aliases: list[Text] = Field(default_factory=list)
    description: str | None = None
    minimum: float | int | None = None
    maximum: float | int | None = Field(
        default=None, description="The largest value the data can hold (e.g. 12 of 12 categories); above it is invalid."
    )
    not_after_as_of: bool = Field(
        default=False,
        description="A date that cannot be later than the day of assessment (a birth, a leaving day): "
        "a later one is invalid data for every indicator that reads it.",
    )
    default_when_absent: bool | float | int | str | None = Field(
        default=None,
        description="Value every record takes when the column is missing from a file (the report says so).",
    )


class EntitySpec(_Model):
    """A kind of record: community, compound, facility, ..."""

    title: Localized
    description: str | None = None
    fields: dict[Name, FieldSpec]
    reporting_year: Name | None = Field(
        default=None,
        description="The number field that gives the year a row reports: an indicator is checked on a row "
        "only when it is in force on some day of that year (effective_from/effective_to).",
    )


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


class DatedRule(_Model):
    """A rule in force from a date on, with the text that set it (as OpenFisca's dated values)."""

    rule: RuleText | RuleSpec
    reference: Text


class Criterion(_Model):
    """A metric compared with a threshold: ``metric`` is a formula over the entity's fields.

    Give ``rule`` (always in force) or ``values`` (rules keyed by the date they take effect).
    """

    metric: Text
    rule: RuleText | RuleSpec | None = None
    values: dict[IsoDate, DatedRule] | None = Field(default=None, min_length=1)
    unit: str | None = None
    title: Localized | None = None
    threshold_title: Localized | None = Field(
        default=None, description="What a formula threshold means, e.g. 离校满2年之日 for add_years(date, 2)."
    )

    @model_validator(mode="after")
    def _rule_or_values(self) -> "Criterion":
        if (self.rule is None) == (self.values is None):
            raise ValueError("give either 'rule' or 'values'")
        return self


class AggregateSpec(_Model):
    of: Id = Field(description="The record-level indicator whose results are counted.")
    by: Name = Field(default="district", description="The field that forms the groups.")
    measure: Literal["pass_rate"] = "pass_rate"


class Shortfall(_Model):
    """What is still to be provided when a record fails, e.g. m² of facility area.

    The formula may use the entity's fields and ``threshold``.
    """

    formula: Text
    unit: str | None = None
    title: Localized


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
    threshold_title: Localized | None = None
    rule: RuleText | RuleSpec | None = None
    values: dict[IsoDate, DatedRule] | None = Field(default=None, min_length=1)
    unit: str | None = None
    all_of: list[Criterion] | None = Field(default=None, min_length=1)
    any_of: list[Criterion] | None = Field(default=None, min_length=1)
    aggregate: AggregateSpec | None = None
    shortfall: Shortfall | None = None
    effective_from: IsoDate | None = None
    effective_to: IsoDate | None = None
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way_to_check(self) -> "Indicator":
        ways = [self.metric is not None, self.all_of is not None, self.any_of is not None]
        ruled = self.rule is not None or self.values is not None
        if self.rule is not None and self.values is not None:
            raise ValueError("give either 'rule' or 'values', not both")
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("'effective_to' is before 'effective_from'")
        if self.kind == "aggregate":
            if self.aggregate is None or not ruled:
                raise ValueError("an aggregate indicator needs 'aggregate' and 'rule'")
            if any(ways):
                raise ValueError("an aggregate indicator takes no 'metric', 'all_of' or 'any_of'")
            return self
        if self.aggregate is not None:
            raise ValueError("'aggregate' is only for kind: aggregate")
        if sum(ways) != 1:
            raise ValueError("give exactly one of 'metric' (with 'rule'), 'all_of' or 'any_of'")
        if (self.metric is None) != (not ruled):
            raise ValueError("'metric' and 'rule' (or 'values') go together")
        return self


class DatedValue(_Model):
    value: float | int | str
    reference: Text


class Parameter(_Model):
    """A number the plan leaves open, named so formulas can use it and ``--set NAME=V`` can change it."""

    title: Localized
    value: float | int | str | None = None
    values: dict[IsoDate, DatedValue] | None = None
    unit: str | None = None
    reference: str | None = None
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _value_or_values(self) -> "Parameter":
        if (self.value is None) == (self.values is None):
            raise ValueError("give either 'value' or 'values'")
        return self


class Override(_Model):
    """How a pack that ``extends`` another changes one of its indicators."""

    id: Id
    reference: Text = Field(description="The text that makes the change, e.g. a provincial document number.")
    title: Localized | None = None
    rule: RuleText | RuleSpec | None = None
    values: dict[IsoDate, DatedRule] | None = None
    applies_if: Text | None = None
    applies_title: Localized | None = None
    departments: list[Text] | None = None
    effective_from: IsoDate | None = None
    effective_to: IsoDate | None = None
    notes: list[Text] | None = None


class Measure(_Model):
    """One numbered measure or policy of the plan, and how the pack covers it.

    ``indicators`` names the indicators that check it; ``qualitative`` says why data cannot.
    """

    ref: Text
    title: Localized
    departments: list[Text] = Field(default_factory=list)
    indicators: list[Id] = Field(default_factory=list)
    qualitative: Localized | None = None

    @model_validator(mode="after")
    def _covered(self) -> "Measure":
        if not self.indicators and self.qualitative is None:
            raise ValueError("a measure needs 'indicators' or a 'qualitative' reason")
        return self


class Expectation(_Model):
    indicator: Id
    record: int = Field(default=1, ge=1, description="1-based position of the record in 'records'.")
    group: str | None = Field(default=None, description="For aggregates: the group, e.g. the district.")
    status: Literal["pass", "fail", "not_applicable", "missing_data", "invalid_data", "eligible", "not_eligible"]
    value: float | int | bool | str | None = None
    gap: float | int | str | None = None


class PackTest(_Model):
    """A pack test: records in, expected results out (as OpenFisca's YAML tests)."""

    name: Text
    entity: Name | None = None
    as_of: IsoDate | None = None
    set: dict[str, float | int | str] = Field(default_factory=dict)
    records: list[dict[str, object]] = Field(min_length=1)
    expect: list[Expectation] = Field(min_length=1)


class District(_Model):
    """One county-level area of the jurisdiction, and the ways tables spell it."""

    name: Text
    kind: str | None = Field(default=None, description="区, 市, 县, or 开发区(园区)")
    spellings: list[Text] = Field(default_factory=list)


class Jurisdiction(_Model):
    """The area the plan governs: its name (written before district names: 白城市洮北区) and districts."""

    name: Text
    spellings: list[Text] = Field(default_factory=list)
    districts: list[District] = Field(default_factory=list)


class Pack(_Model):
    id: Id
    title: Localized
    document: Text
    issuers: list[Text] = Field(default_factory=list)
    issued: str | None = None
    source: str | None = None
    source_text: str | None = Field(
        default=None, description="The plan's full text, relative to the pack file; lint checks every quote in it."
    )
    extends: str | None = Field(
        default=None, description="A pack this one adapts: a path relative to this file, or 'bundled:ID'."
    )
    notes: list[Text] = Field(default_factory=list)
    jurisdiction: Jurisdiction | None = Field(
        default=None, description="Its districts: names in data are read as these (白城市洮北区, 洮北 → 洮北区)."
    )
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    entities: dict[Name, EntitySpec] = Field(default_factory=dict)
    indicators: list[Indicator] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    coverage: list[Measure] = Field(default_factory=list)
    tests: list[PackTest] = Field(default_factory=list)
