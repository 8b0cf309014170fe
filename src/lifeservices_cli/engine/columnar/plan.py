"""How one CSV input is checked in columns: the stages of expressions every batch goes through."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from lifeservices_cli.engine.columnar.cells import _cell_bounds, _cell_stages, _resolve
from lifeservices_cli.engine.columnar.formulas import (
    _MASK,
    _ZERO,
    DIVISION,
    INVALID_BITS,
    MAX_FIELDS,
    MAX_MASK_FIELDS,
    _divisors,
    _Env,
    _names,
)
from lifeservices_cli.engine.columnar.messages import concat, json_content
from lifeservices_cli.engine.columnar.rationals import (
    I128,
    NotFast,
    Rat,
    _cmp,
    _display,
    _gap,
    _json_number,
    _lit,
    _number_parts,
    _quote,
    _shown,
)
from lifeservices_cli.engine.records import Engine, formula_rule, unit_slot
from lifeservices_cli.engine.results import (
    ELIGIBLE,
    FAIL,
    INVALID,
    MISSING,
    NA,
    NOT_ELIGIBLE,
    PASS,
    Key,
    entry_keys,
    entry_pieces,
    path_text,
)
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Check, CompiledIndicator, Entity
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import (
    Converter,
    match_header,
)
from lifeservices_cli.semantics.numbers import to_json
from lifeservices_cli.semantics.values import Unknown, reason

# --------------------------------------------------------------------------- indicators


def _col_rat(name: str) -> Rat:
    return Rat(pl.col(f"{name}.n"), pl.col(f"{name}.d"))


def _store_rat(name: str, r: Rat) -> list[pl.Expr]:
    return [r.num.alias(f"{name}.n"), r.den.alias(f"{name}.d")]


class Plan:
    """How one CSV input is checked in columns: its fields, indicators and constant parts.

    Each batch is computed in stages that materialise their columns (cells, then metrics and
    thresholds, then decisions, then text), so every expression stays small.
    """

    def __init__(
        self,
        engine: Engine,
        entity: Entity,
        header: list[str],
        source: str,
        encoding: str,
        delimiter: str,
        path: Path,
        converters: dict[int, tuple[str, Converter]],
        absent: dict[str, Any],
        factors: dict[int, Fraction] | None = None,
        districts: list[str] | None = None,
    ):
        self.engine, self.entity, self.header, self.source = engine, entity, header, source
        self.encoding, self.delimiter, self.path = encoding, delimiter, path
        self.lang: Lang = engine.lang
        self.indicators = engine.indicators_for(entity.name)
        if not self.indicators:
            raise NotFast("no record-level indicator")
        if engine.by_records_only(entity.name):
            raise NotFast("a reporting year, a maximum or a date not after the day of assessment")
        self.columns: dict[str, tuple[int, Fraction]] = {}
        for index, head in enumerate(header):
            fname, unit_text = match_header(head, entity.aliases)
            if fname is None:
                continue
            spec = entity.spec.fields[fname]
            if spec.type == "date":
                raise NotFast("date fields")
            if spec.minimum is not None and Fraction(str(spec.minimum)) != 0:
                raise NotFast("a minimum other than 0")
            factor = Fraction(1)
            if unit_text is not None and spec.type == "number" and spec.unit is not None:
                factor = units.conversion(unit_text, spec.unit) or Fraction(1)
            if factors is not None and index in factors:  # the binding's unit: header, units row, --unit
                factor = factors[index]
            self.columns[fname] = (index, factor)
        self.districts = districts
        self.labels: list[int] = []  # the columns where 小计/合计 would be written (the binding's)
        #: Keep each result's value and gap as their JSON text (``_vj{k}``, ``_gj{k}``): set before
        #: the first batch by a renderer that makes its rows while the check runs (``driver.run``'s sink).
        self.values = False
        self.skip_lines = 1  # the lines before the first record: titles, the header, a units row
        # the columns must be the ones the record reader binds (e.g. not a second column of a field)
        if {(i, f) for f, (i, _) in self.columns.items()} != {(i, f) for i, (f, _) in converters.items()}:
            raise NotFast("the columns bind differently")
        self.converters = {i: conv for i, (_, conv) in converters.items()}
        self.absent = absent  # the record reader's values of fields without a column
        self.constants = dict(engine.constants)
        # the fields some formula reads, and those every result shows (or a group or duplicate check needs)
        formulas = [
            f
            for ind, checks in self.indicators
            for f in (ind.applies_if, ind.shortfall, *(x for c in checks for x in (c.metric, c.threshold_formula)))
        ]
        self.used = {n for f in formulas if f is not None for n in _names(f.tree)} | {"id", "name", "district"}
        self.used |= {agg.spec.aggregate.by for agg in engine.packset.indicators if agg.spec.aggregate is not None}
        self.env = self._env()
        for ind, checks in self.indicators:  # fail early on what columns cannot express
            self._stage_metrics(0, ind, checks)

    def _env(self) -> _Env:
        numbers: dict[str, Rat] = {}
        flags: dict[str, pl.Expr] = {}
        texts: dict[str, pl.Expr] = {}
        for fname, spec in self.entity.spec.fields.items():
            if spec.type == "number":
                numbers[fname] = replace(_col_rat(f"f.{fname}"), top=self._bounds(fname)[0], bot=self._bounds(fname)[1])
            elif spec.type == "boolean":
                flags[fname] = pl.col(f"f.{fname}")
            else:
                texts[fname] = pl.col(f"f.{fname}")
        if len(self.entity.spec.fields) > MAX_FIELDS:
            raise NotFast(f"more than {MAX_FIELDS} fields")
        bits = {fname: 1 << i for i, fname in enumerate(self.entity.spec.fields)}
        return _Env(numbers, flags, texts, self.constants, bits)

    def _bounds(self, fname: str) -> tuple[int, int]:
        """Bounds of a number field's numerator and denominator (see ``Rat``)."""
        where = self.columns.get(fname)
        if where is not None:
            return _cell_bounds(where[1])
        value = self._absent(fname)
        value = value if isinstance(value, Fraction) else Fraction(0)
        return abs(value.numerator), value.denominator

    def _absent(self, fname: str) -> Fraction | bool | str | None:
        """The value a field without a column has: its default read as the record reader reads it."""
        value = self.absent.get(fname)
        if isinstance(value, Unknown):
            if value.is_invalid:  # a default the converter cannot read: its reason is the record engine's
                raise NotFast("an unreadable default")
            return None
        if value is not None and not isinstance(value, Fraction | bool | str):
            raise NotFast("a default of another kind")
        return value

    # ----------------------------------------------------------------- stage 1: cells

    def _stage_cells(self) -> list[list[pl.Expr]]:
        """Every field's value where plain columns read it; ``u.FIELD`` marks the cells they cannot."""
        stages: list[list[pl.Expr]] = [[], [], [], []]
        last: list[pl.Expr] = []
        for fname, spec in self.entity.spec.fields.items():
            if fname not in self.used:  # read by nothing: the record engine would not look at it either
                continue
            where = self.columns.get(fname)
            if where is None:
                default = self._absent(fname)
                if spec.type == "number":
                    value = (
                        _lit(default) if isinstance(default, Fraction) else Rat(pl.lit(None, I128), pl.lit(None, I128))
                    )
                    last += _store_rat(f"f.{fname}", value)
                elif spec.type == "boolean":
                    flag = default if isinstance(default, bool) else None
                    last.append(pl.lit(flag, dtype=pl.Boolean).alias(f"f.{fname}"))
                else:
                    last.append(
                        pl.lit(default if isinstance(default, str) else None, dtype=pl.Utf8).alias(f"f.{fname}")
                    )
                continue
            index, factor = where
            minimum = Fraction(str(spec.minimum)) if spec.minimum is not None else None
            canonical = self.districts if fname == "district" else None
            for n, stage in enumerate(_cell_stages(index, spec.type, factor, minimum, canonical)):
                stages[n] += stage
            if spec.type == "number":
                last.append(pl.col(f"v{index}").alias(f"f.{fname}.n"))
                last.append(pl.lit(_cell_bounds(factor)[1], dtype=I128).alias(f"f.{fname}.d"))
            else:
                last.append(pl.col(f"v{index}").alias(f"f.{fname}"))
            last.append((~pl.col(f"y{index}")).alias(f"u.{fname}"))
        return [stage for stage in [*stages, last] if stage]

    def _resolve_cells(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Read the cells the columns could not with the record converter, once per distinct text.

        Adds ``x.FIELD`` (the cell is invalid), ``rh.FIELD``/``rt.FIELD`` (its reason around the
        line, as JSON string content), ``j.FIELD`` for text fields (the value as JSON) and
        ``h.cells`` (a cell with no exact column form).
        """
        exprs: list[pl.Expr] = []
        indexes: list[pl.Expr] = []
        hard = pl.lit(False)
        for fname, spec in self.entity.spec.fields.items():
            if fname not in self.used:
                continue
            where = self.columns.get(fname)
            value = pl.col(f"f.{fname}")
            if where is None:
                exprs += [pl.lit(False).alias(f"x.{fname}"), pl.lit(None, pl.Utf8).alias(f"rh.{fname}")]
                exprs.append(pl.lit(None, pl.Utf8).alias(f"rt.{fname}"))
                if spec.type == "text":
                    default = self._absent(fname)
                    shown = _quote(default) if isinstance(default, str) else "null"
                    exprs.append(pl.lit(shown).alias(f"j.{fname}"))
                continue
            column, unsettled = f"c{where[0]}", pl.col(f"u.{fname}")
            # one column filtered, not the whole (wide) batch
            raws = frame.get_column(column).filter(frame.get_column(f"u.{fname}")).unique(maintain_order=True).to_list()
            if not raws:
                exprs += [pl.lit(False).alias(f"x.{fname}"), pl.lit(None, pl.Utf8).alias(f"rh.{fname}")]
                exprs.append(pl.lit(None, pl.Utf8).alias(f"rt.{fname}"))
                if spec.type == "text":
                    exprs.append(_json_text(value).alias(f"j.{fname}"))
                continue
            got = _resolve(raws, self.converters[where[0]], self.lang)
            # each odd text's place among ``got.raws`` looked up once; every mapping is then a gather
            indexes.append(
                pl.col(column)
                .replace_strict(got.raws, list(range(len(got.raws))), default=None, return_dtype=pl.UInt32)
                .alias(f"i.{fname}")
            )

            def mapped(values: list[Any], dtype: Any, at: str = f"i.{fname}") -> pl.Expr:
                return pl.lit(pl.Series(values, dtype=dtype)).gather(pl.col(at))

            if spec.type == "number":  # as a numerator over the column's denominator, within its bounds
                top, den = _cell_bounds(where[1])
                nums: list[int | None] = []
                for n, v in enumerate(got.values):
                    scaled = v * den if isinstance(v, Fraction) else None
                    if scaled is not None and (scaled.denominator != 1 or abs(scaled.numerator) > top):
                        got.hard[n], scaled = True, None
                    nums.append(scaled.numerator if scaled is not None else None)
                exprs.append(
                    pl.when(unsettled).then(mapped(nums, I128)).otherwise(pl.col(f"f.{fname}.n")).alias(f"f.{fname}.n")
                )
            elif spec.type == "boolean":
                flags = [v if isinstance(v, bool) else None for v in got.values]
                exprs.append(pl.when(unsettled).then(mapped(flags, pl.Boolean)).otherwise(value).alias(f"f.{fname}"))
            else:
                texts = [v if isinstance(v, str) else None for v in got.values]
                quoted = [_quote(v) if isinstance(v, str) else "null" for v in got.values]
                exprs.append(pl.when(unsettled).then(mapped(texts, pl.Utf8)).otherwise(value).alias(f"f.{fname}"))
                exprs.append(
                    pl.when(unsettled).then(mapped(quoted, pl.Utf8)).otherwise(_json_text(value)).alias(f"j.{fname}")
                )
            exprs.append((unsettled & mapped(got.invalid, pl.Boolean)).alias(f"x.{fname}"))
            exprs.append(pl.when(unsettled).then(mapped(got.head, pl.Utf8)).alias(f"rh.{fname}"))
            exprs.append(pl.when(unsettled).then(mapped(got.tail, pl.Utf8)).alias(f"rt.{fname}"))
            hard = hard | (unsettled & mapped(got.hard, pl.Boolean)).fill_null(True)
        if indexes:
            frame = frame.with_columns(indexes)
        return frame.with_columns(*exprs, hard.alias("h.cells"))

    # ----------------------------------------------------------------- stage 2: metrics, thresholds

    def _stage_metrics(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> list[pl.Expr]:
        env = self.env
        exprs: list[pl.Expr] = []
        if ind.applies_if is not None:
            if ind.applies_if.tree is None:
                raise NotFast("a formula without a tree")
            exprs.append(env.flag(ind.applies_if.tree).alias(f"a{k}"))
            exprs.append(env.mask(ind.applies_if.tree).alias(f"am{k}"))
        else:
            exprs += [pl.lit(True).alias(f"a{k}"), _ZERO.alias(f"am{k}")]
        for i, check in enumerate(checks):
            if check.metric.tree is None:
                raise NotFast("a formula without a tree")
            mask = env.mask(check.metric.tree)
            if check.metric.type == "number":
                value = env.number(check.metric.tree)
                if check.threshold_formula is not None:
                    assert check.threshold_formula.tree is not None
                    threshold = env.number(check.threshold_formula.tree)
                    mask = mask | env.mask(check.threshold_formula.tree)
                elif isinstance(check.threshold, Fraction):
                    threshold = _lit(check.threshold)
                else:
                    raise NotFast("threshold")
                _shown(value, threshold, _gap(value, threshold))
                exprs += _store_rat(f"v{k}.{i}", value) + _store_rat(f"t{k}.{i}", threshold)
            elif check.metric.type == "boolean" and isinstance(check.threshold, bool):
                exprs.append(env.flag(check.metric.tree).alias(f"v{k}.{i}"))
            else:
                raise NotFast(f"a {check.metric.type} metric")
            exprs.append(mask.alias(f"om{k}.{i}"))  # the outcome's: merge(value, threshold)
        if ind.shortfall is not None and ind.shortfall.tree is not None:
            limit = checks[0].threshold
            if not isinstance(limit, Fraction):
                raise NotFast("a shortfall with a formula threshold")
            sub = _Env(env.numbers, env.flags, env.texts, {**env.constants, "threshold": limit}, env.bits)
            need = sub.number(ind.shortfall.tree)
            _shown(need)
            exprs += _store_rat(f"sf{k}", need)
        return exprs

    # ----------------------------------------------------------------- stage 3: decisions

    def _stage_decisions(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> list[pl.Expr]:
        oks = []
        for i, check in enumerate(checks):
            if check.metric.type == "number":
                oks.append(_cmp(check.comparator, _col_rat(f"v{k}.{i}"), _col_rat(f"t{k}.{i}")))
            else:
                value = pl.col(f"v{k}.{i}")
                oks.append((value == check.threshold) if check.comparator == "==" else (value != check.threshold))
        exprs = [ok.alias(f"o{k}.{i}") for i, ok in enumerate(oks)]
        if ind.combine == "one":
            decision = oks[0]
        elif ind.combine == "all":
            decision = pl.all_horizontal(oks)  # Kleene, like the engine's _combine
        else:
            decision = pl.any_horizontal(oks)
        exprs.append(decision.alias(f"d{k}"))
        masks = [pl.col(f"om{k}.{i}") for i in range(len(checks))]
        merged = masks[0]
        for m in masks[1:]:
            merged = merged | m
        exprs.append(pl.when(decision.is_null()).then(merged).otherwise(_ZERO).alias(f"dm{k}"))
        return exprs

    # ----------------------------------------------------------------- stage 4: text

    def _stage_numbers(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> list[list[pl.Expr]]:
        """The numbers of indicator ``k`` as the report shows them: JSON (``*j``, with ``*h``: not
        sure to be exact) and display text (``*d``) of values, thresholds, gaps and the shortfall."""
        parts: list[pl.Expr] = []
        texts: list[pl.Expr] = []

        def number(r: Rat, name: str, display: bool) -> None:
            parts.extend(_number_parts(r, f"{name}{k}.{i}"))
            text, hard = _json_number(f"{name}{k}.{i}")
            texts.extend([text.alias(f"{name}j{k}.{i}"), hard.alias(f"{name}h{k}.{i}")])
            if display:
                texts.append(_display(f"{name}{k}.{i}").alias(f"{name}d{k}.{i}"))

        for i, check in enumerate(checks):
            if check.metric.type != "number":
                continue
            value, threshold = _col_rat(f"v{k}.{i}"), _col_rat(f"t{k}.{i}")
            number(value, "v", True)
            gap = _gap(value, threshold)
            number(gap, "g", False)
            texts.append(_near(gap).alias(f"nh{k}.{i}"))
            if check.threshold_formula is not None:
                number(threshold, "t", True)
            else:  # a constant: its text is the record engine's own
                assert isinstance(check.threshold, Fraction)
                texts += [pl.lit(_json_value(check.threshold)).alias(f"tj{k}.{i}"), pl.lit(False).alias(f"th{k}.{i}")]
        if ind.shortfall is not None and ind.shortfall.tree is not None:
            i = 0
            number(_col_rat(f"sf{k}"), "sf", True)
            texts.append(_near(_col_rat(f"sf{k}")).alias(f"nsf{k}"))
        return [parts, texts]

    def _stage_text(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> tuple[pl.Expr, list[pl.Expr]]:
        """The status of indicator ``k`` (a stage before the rest), and its hard flag and result line."""
        lang = self.lang
        applies, decision = pl.col(f"a{k}"), pl.col(f"d{k}")
        oks = [pl.col(f"o{k}.{i}") for i in range(len(checks))]
        eligibility = ind.spec.kind == "eligibility"
        yes, no = (ELIGIBLE, NOT_ELIGIBLE) if eligibility else (PASS, FAIL)
        applies_mask, decision_mask = pl.col(f"am{k}"), pl.col(f"dm{k}")
        status = pl.col(f"s{k}")
        status_expr = (
            pl.when(applies.is_null())
            .then(_unknown_status(applies_mask))
            .when(~applies)
            .then(pl.lit(NA))
            .when(decision.is_null())
            .then(_unknown_status(decision_mask))
            .when(decision)
            .then(pl.lit(yes))
            .otherwise(pl.lit(no))
        )
        primary = self.primary(ind.combine, oks, decision)
        parts, parts_hard = self.result_parts(k, checks, primary)
        message = self.message(k, ind, checks, oks, decision, eligibility)
        shortfall, shortfall_hard = self.shortfall(k, ind, decision)
        head = checks[0]
        na_threshold = _json_value(head.threshold)
        na_message = _quote(t("msg.not_applicable", lang, condition=self.condition(ind)))
        several = len(checks) > 1  # then a result says which check its value and threshold are
        keys = self.own_keys(several)
        unknown = self.primary_unknown(k, checks)
        formulas = [f for c in checks for f in (c.metric, c.threshold_formula)]
        # the result's own keys, after the record's (``_prefix``): one entry, four cases
        common = {"indicator": _quote(ind.id), "gap": "null", "shortfall": "null"}
        na_line = _entry(
            keys,
            {**common, "status": _quote(NA), "check": "0", "value": "null", "threshold": na_threshold}
            | {"message": na_message},
        )
        applies_missing = _entry(
            keys,
            {
                **common,
                "status": ['"', _unknown_status(applies_mask), '"'],
                "check": "0",
                "value": "null",
                "threshold": na_threshold,
                "message": self.unknown_message(ind, "msg.missing_applicability", applies_mask, [ind.applies_if]),
            },
        )
        decision_missing = _entry(
            keys,
            {
                **common,
                "status": ['"', _unknown_status(decision_mask), '"'],
                "check": unknown.cast(pl.Utf8),
                "value": "null",
                "threshold": self.pick(unknown, [self.threshold_json(k, i, c) for i, c in enumerate(checks)]),
                "message": self.unknown_message(ind, "msg.missing", decision_mask, formulas),
            },
        )
        decided = _entry(
            keys,
            {
                **common,
                "status": ['"', status, '"'],
                "check": primary.cast(pl.Utf8),
                "value": parts["value"],
                "threshold": parts["threshold"],
                "gap": parts["gap"],
                "shortfall": shortfall,
                "message": _json_text(message),
            },
        )
        line = (
            pl.when(applies.is_null())
            .then(applies_missing)
            .when(~applies)
            .then(na_line)
            .when(decision.is_null())
            .then(decision_missing)
            .otherwise(decided)
        )
        # (a null line, an unknown the columns cannot word, is hard too: see ``frame``)
        near = [pl.col(f"nh{k}.{i}") for i, c in enumerate(checks) if c.metric.type == "number"]
        if ind.shortfall is not None and ind.shortfall.tree is not None:
            near.append(pl.col(f"nsf{k}"))
        near_any = pl.any_horizontal(near) if near else pl.lit(False)
        hard = applies.fill_null(False) & (parts_hard | shortfall_hard | near_any)
        lines = [hard.fill_null(True).alias(f"h{k}"), line.alias(f"l{k}")]
        if self.values:  # what the entry shows as value and gap ("null" unless decided)
            decided_row = applies.fill_null(False) & decision.is_not_null()
            lines.append(pl.when(decided_row).then(parts["value"]).otherwise(pl.lit("null")).alias(f"_vj{k}"))
            lines.append(pl.when(decided_row).then(parts["gap"]).otherwise(pl.lit("null")).alias(f"_gj{k}"))
        return status_expr.alias(f"s{k}"), lines

    @staticmethod
    def pick(index: pl.Expr, options: list[pl.Expr]) -> pl.Expr:
        out = options[0]
        for n in range(1, len(options)):
            out = pl.when(index == n).then(options[n]).otherwise(out)
        return out

    @staticmethod
    def primary_unknown(k: int, checks: tuple[Check, ...]) -> pl.Expr:
        """The check an unknown decision is reported on: the first with an unknown outcome."""
        chosen = pl.lit(0)
        for i in range(len(checks) - 1, -1, -1):
            chosen = pl.when(pl.col(f"o{k}.{i}").is_null()).then(pl.lit(i)).otherwise(chosen)
        return chosen

    def threshold_json(self, k: int, i: int, check: Check) -> pl.Expr:
        """A check's threshold as JSON when its outcome is unknown (null when the threshold is)."""
        if check.threshold_formula is None:
            return pl.lit(_json_value(check.threshold))
        return pl.when(pl.col(f"t{k}.{i}.n").is_null()).then(pl.lit("null")).otherwise(pl.col(f"tj{k}.{i}"))

    def unknown_message(self, ind: CompiledIndicator, key: str, mask: pl.Expr, formulas: list[Any]) -> pl.Expr:
        """The engine's message for an unknown outcome, as a JSON string (null: the record engine words it).

        Missing fields are named (every possible ``mask`` prepared); one invalid cell gives its
        reason; more than one, or a division by zero, is left to the record engine (the order
        of its reasons follows the evaluation).
        """
        bits = self.env.bits
        leaves = sorted({n for f in formulas if f is not None for n in _names(f.tree)} & set(bits))
        if len(leaves) > MAX_MASK_FIELDS:
            raise NotFast("too many fields in one indicator")
        fields = self.engine.packset.entities[ind.spec.entity].spec.fields
        masks, texts = [], []
        for subset in range(1, 1 << len(leaves)):
            names = [leaves[j] for j in range(len(leaves)) if subset >> j & 1]
            shown = sorted(fields[n].title.get(self.lang) if n in fields else n for n in names)
            titles = t("words.fields_sep", self.lang).join(shown)
            masks.append(sum(bits[n] for n in names))
            texts.append(_quote(t(key, self.lang, fields=titles)))
        missing = mask.replace_strict(masks, texts, default=None, return_dtype=pl.Utf8) if masks else pl.lit(None)
        invalid: pl.Expr = pl.lit(None, pl.Utf8)
        for name in leaves:  # the cell's reason, its words around the row's line (``_resolve``)
            words = pl.concat_str([pl.col(f"rh.{name}"), pl.col("_line").cast(pl.Utf8), pl.col(f"rt.{name}")])
            message = pl.concat_str([pl.lit('"'), concat("msg.invalid", self.lang, reasons=words), pl.lit('"')])
            only = (mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == (bits[name] << MAX_FIELDS)
            invalid = pl.when(only).then(message).otherwise(invalid)
        divisions = [d for f in formulas if f is not None for d in _divisors(f.text, f.tree)]
        if len(divisions) == 1:  # a division by zero alone: its reason is the same on every row
            why = reason("formula.division_by_zero", expr=divisions[0]).word(self.lang)
            alone = (mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == DIVISION
            invalid = pl.when(alone).then(pl.lit(_quote(t("msg.invalid", self.lang, reasons=why)))).otherwise(invalid)
        return pl.when((mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == 0).then(missing).otherwise(invalid)

    def frame(self, batch: pl.DataFrame) -> pl.DataFrame:
        """The batch's ``hard`` rows and, for the others, ``text`` (the row's result lines), with
        the status columns ``s{k}``, ``_id``, ``_line``, the raw cells and the field values."""
        cells, later, keep = self._stages
        for stage in cells:
            batch = batch.with_columns(stage)
        frame = self._resolve_cells(batch)
        for stage in later:
            frame = frame.with_columns(stage)
        return frame.select(keep)  # what the driver reads; the rest is freed now

    @cached_property
    def _stages(self) -> tuple[list[list[pl.Expr]], list[list[pl.Expr]], list[str]]:
        """The expressions of every batch, built once: the cell stages, the stages after the
        record converter has read the odd cells, and the columns a batch keeps."""
        later: list[list[pl.Expr]] = [[], [], [], [], []]
        for k, (ind, checks) in enumerate(self.indicators):
            later[0] += self._stage_metrics(k, ind, checks)
            later[1] += self._stage_decisions(k, ind, checks)
            parts, texts = self._stage_numbers(k, ind, checks)
            status, lines = self._stage_text(k, ind, checks)
            later[2] += parts
            later[3] += [*texts, status]
            later[4] += lines
        hard = pl.any_horizontal(
            [
                pl.col("h.cells"),
                *(pl.col(f"h{k}") | pl.col(f"l{k}").is_null() for k in range(len(self.indicators))),
            ]
        )
        record_id = pl.col("f.id") if "id" in self.env.texts else pl.lit(None, dtype=pl.Utf8)
        shown = [
            pl.col(f"j.{name}") if name in self.env.texts else pl.lit("null") for name in ("id", "name", "district")
        ]
        record = dict(zip(("record_id", "record_name", "district"), shown, strict=True))
        values = {"source": _quote(path_text(self.source)), "line": pl.col("_line").cast(pl.Utf8), **record}
        prefix = _entry(self.record_keys(), values, closes=False)
        later.append([hard.alias("hard"), record_id.alias("_id"), prefix.alias("_prefix")])
        text = pl.concat_str(
            [pl.concat_str([pl.col("_prefix"), pl.col(f"l{k}")]) for k in range(len(self.indicators))],
            separator=",\n    ",
        )
        later.append([pl.when(pl.col("hard")).then(None).otherwise(text).alias("text")])
        keep = ["_line", "hard", "text", "_id", *(f"s{k}" for k in range(len(self.indicators)))]
        if self.values:
            keep += [f"_{kind}j{k}" for k in range(len(self.indicators)) for kind in "vg"] + ["_raw"]
        keep += [f"c{i}" for i in range(len(self.header))]
        keep += [f"f.{name}" for name in sorted(self.used) if name in self.env.texts]  # groups
        return self._stage_cells(), [stage for stage in later if stage], keep

    def condition(self, ind: CompiledIndicator) -> str:
        spec = ind.spec
        if spec.applies_title:
            return spec.applies_title.get(self.lang)
        return ind.applies_if.text if ind.applies_if else ""

    @staticmethod
    def record_keys() -> tuple[Key, ...]:
        """The keys of a result's entry that are its record's (the same for every indicator: ``_prefix``)."""
        keys = entry_keys()
        return keys[: [k.name for k in keys].index("indicator")]

    def own_keys(self, several: bool) -> tuple[Key, ...]:
        """The keys of a result's entry after its record's (no ``year``: such entities are refused)."""
        keys = entry_keys(False, several)
        cut = len(self.record_keys())
        if keys[:cut] != self.record_keys():
            raise NotFast("an entry whose record keys depend on the indicator")
        return keys[cut:]

    @staticmethod
    def primary(combine: str, oks: list[pl.Expr], decision: pl.Expr) -> pl.Expr:
        """Which check's value the result shows (the engine's ``_combine``)."""
        if combine == "one":
            return pl.lit(0)
        decisive = combine != "all"
        chosen = pl.lit(0)
        for k in range(len(oks) - 1, -1, -1):
            chosen = pl.when(oks[k] == decisive).then(pl.lit(k)).otherwise(chosen)
        return pl.when(decision == decisive).then(chosen).otherwise(pl.lit(0))

    def result_parts(self, k: int, checks: tuple[Check, ...], primary: pl.Expr) -> tuple[dict[str, pl.Expr], pl.Expr]:
        value_text, thr_text, gap_text, hards = [], [], [], []
        for i, check in enumerate(checks):
            if check.metric.type == "number":
                value_text.append(pl.col(f"vj{k}.{i}"))
                thr_text.append(pl.col(f"tj{k}.{i}"))
                gap_text.append(pl.col(f"gj{k}.{i}"))
                hards.append(pl.col(f"vh{k}.{i}") | pl.col(f"th{k}.{i}") | pl.col(f"gh{k}.{i}"))
            else:
                value_text.append(pl.when(pl.col(f"v{k}.{i}")).then(pl.lit("true")).otherwise(pl.lit("false")))
                thr_text.append(pl.lit(_json_value(check.threshold)))
                gap_text.append(pl.lit("null"))
                hards.append(pl.lit(False))

        def pick(options: list[pl.Expr]) -> pl.Expr:
            return self.pick(primary, options)

        parts = {
            "value": pick(value_text),
            "threshold": pick(thr_text),
            "gap": pick(gap_text),
        }
        return parts, pick(hards)

    def shortfall(self, k: int, ind: CompiledIndicator, decision: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        if ind.shortfall is None or ind.shortfall.tree is None:
            return pl.lit("null"), pl.lit(False)
        shown = (~decision & (pl.col(f"sf{k}.n") > 0)).fill_null(False)
        return pl.when(shown).then(pl.col(f"sfj{k}.0")).otherwise(pl.lit("null")), (shown & pl.col(f"sfh{k}.0"))

    def describe(self, k: int, i: int, check: Check) -> pl.Expr:
        """The engine's ``_describe`` for one check: the same templates, filled with columns."""
        lang = self.lang
        title = check.title.get(lang)
        if check.metric.type != "number":
            yes, no = _text(t("words.yes", lang)), _text(t("words.no", lang))
            shown = pl.when(pl.col(f"v{k}.{i}")).then(yes).otherwise(no)
            return concat("msg.check_yes_no", lang, title=title, value=shown)
        unit = unit_slot(check.unit)
        rule: str | pl.Expr = check.rule_text(lang)
        if check.threshold_formula is not None:
            rule = concat("msg.rule_formula", lang, value=pl.col(f"td{k}.{i}"), unit=unit, **formula_rule(check, lang))
        return concat("msg.check", lang, title=title, value=pl.col(f"vd{k}.{i}"), unit=unit, rule=rule)

    def message(
        self,
        k: int,
        ind: CompiledIndicator,
        checks: tuple[Check, ...],
        oks: list[pl.Expr],
        decision: pl.Expr,
        eligibility: bool,
    ) -> pl.Expr:
        lang = self.lang
        pieces = []
        for i, (check, ok) in enumerate(zip(checks, oks, strict=True)):
            known = pl.col(f"v{k}.{i}.n" if check.metric.type == "number" else f"v{k}.{i}").is_not_null()
            if eligibility:
                keep = ok == decision
            elif ind.combine == "any":
                keep = pl.when(decision).then(ok == decision).otherwise(known)
            elif ind.combine == "all":
                keep = pl.when(decision).then(known).otherwise(ok == decision)
            else:
                keep = known
            pieces.append(pl.when(keep.fill_null(False)).then(self.describe(k, i, check)).otherwise(None))
        joined = pl.concat_str(pieces, separator=json_content(t("words.sep", lang)), ignore_nulls=True)
        if eligibility:
            return (
                pl.when(decision)
                .then(concat("msg.eligible", lang, reason=joined))
                .otherwise(concat("msg.not_eligible", lang, reason=joined))
            )
        if ind.shortfall is not None and ind.shortfall.tree is not None and ind.spec.shortfall is not None:
            need = _col_rat(f"sf{k}")
            unit = unit_slot(ind.spec.shortfall.unit)
            suffix = (
                pl.when((~decision & (need.num > 0)).fill_null(False))
                .then(concat("msg.shortfall", lang, value=pl.col(f"sfd{k}.0"), unit=unit))
                .otherwise(pl.lit(""))
            )
            joined = pl.concat_str([joined, suffix])
        return joined


def _entry(keys: tuple[Key, ...], values: dict[str, Any], *, closes: bool = True) -> pl.Expr:
    """Part of a result's entry (``results.RESULT_ENTRY``) as one expression: from the first key
    (the entry's ``{``) when ``keys`` start it, else from ``, `` before the keys; to the ``}``
    (``closes``) or to the ``, `` before the next key."""
    pieces = entry_pieces(keys, values, opens=keys[0] is entry_keys()[0], closes=closes)
    exprs = [pl.lit(p) if isinstance(p, str) else p for p in pieces]
    return exprs[0] if len(exprs) == 1 else pl.concat_str(exprs)


def _near(r: Rat) -> pl.Expr:
    """Whether ``r`` (a gap or a shortfall) is not 0 but within 0.01 of it: there the digits shown
    depend on ``numbers.places_for``, which the record engine applies (the row is handed back);
    further from 0 no rounding to 2 or 6 places can reach the other side."""
    return ((r.num != 0) & (r.num.abs() * 100 <= r.den.abs())).fill_null(False)


def _text(text: str) -> pl.Expr:
    """A constant part of a message, escaped for the JSON string the message goes into."""
    return pl.lit(json_content(text))


def _unknown_status(mask: pl.Expr) -> pl.Expr:
    return (
        pl.when((mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == 0).then(pl.lit(MISSING)).otherwise(pl.lit(INVALID))
    )


def _json_value(value: Any) -> str:
    """A constant (number, yes/no, date, none) as the record engine writes it in JSON."""
    return json.dumps(to_json(value))


def _json_text(expr: pl.Expr) -> pl.Expr:
    """A string column as JSON text, null as ``null``: its text is escaped already (messages) or
    needs no escaping (safe cells)."""
    return pl.when(expr.is_null()).then(pl.lit("null")).otherwise(pl.concat_str([pl.lit('"'), expr, pl.lit('"')]))
