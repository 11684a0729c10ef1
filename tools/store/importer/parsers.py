"""Turning CSV text into typed values: numbers, money, dates, booleans, stages.

Each parser takes a non-empty, trimmed text and returns a value, or raises :class:`ParseError`
whose message says what was expected (it becomes the ``reason`` of an import error).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from rapidfuzz import process

from tools.store.importer.fields import DecimalSeparator, FieldSpec
from tools.store.importer.mapping_schema import FieldType
from tools.store.stages import ForecastCategory, StageConfig
from tools.store.types import to_money

if TYPE_CHECKING:
    from tools.store.importer.mapping import Mapping

Parser = Callable[[str], object]

MONEY_LIMIT = Decimal(10) ** 14  # NUMERIC(16, 2)
INT_LIMIT = 2**31  # a 32-bit INTEGER on PostgreSQL
_CURRENCY_SIGNS = re.compile(r"[$€£¥₹¢]")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}(?=[\s\d(+-])|(?<=[\s\d)])[A-Z]{3}$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_MEMO_LIMIT = 50_000
_FORMAT_WORDS = {
    "%Y": "YYYY",
    "%y": "YY",
    "%m": "MM",
    "%d": "DD",
    "%H": "hh",
    "%M": "mm",
    "%S": "ss",
    "%b": "Mon",
}


class ParseError(ValueError):
    """A text is not a value of the expected type; the message is the reason."""


def _strip_currency(text: str) -> tuple[str, bool]:
    negative = False
    value = text.strip()
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    value = _CURRENCY_CODE.sub("", _CURRENCY_SIGNS.sub("", value).strip())
    value = _SPACES.sub("", value)
    if value[:1] in "+-" and value[1:2] in "+-":
        raise ParseError("not a number")
    return value, negative


def _decimal_separator(value: str, separator: DecimalSeparator) -> str:
    if separator != "auto":
        return separator
    if "." in value and "," in value:
        return "." if value.rfind(".") > value.rfind(",") else ","
    if "," in value:
        return "," if _DECIMAL_COMMA.fullmatch(value) else "."
    return "," if value.count(".") > 1 else "."


def parse_decimal(text: str, separator: DecimalSeparator = "auto") -> Decimal:
    """A number written with currency signs, thousands separators and either decimal mark.

    ``$1,200.50``, ``1.200,50 EUR``, ``1 200,50``, ``(75)`` (negative) and ``-3.5`` are numbers.
    """
    value, negative = _strip_currency(text)
    decimal_mark = _decimal_separator(value, separator)
    value = value.replace("," if decimal_mark == "." else ".", "").replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(value):
        raise ParseError("not a number")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only decimals
        raise ParseError("not a number") from exc
    return -number if negative else number


_SIGN_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_NAMED_CURRENCY = re.compile(r"(?:^|[\s\d(])([A-Z]{3})(?:$|[\s\d)+-])")


def _in_currency(parse: Parser, currency: str) -> Parser:
    """``parse``, refusing an amount written in a currency other than ``currency``.

    ``$`` counts as the field's own currency when that is a dollar (USD, CAD, AUD…): exports
    write local dollars with the bare sign."""

    def check(text: str) -> object:
        named = _NAMED_CURRENCY.search(text)
        sign = next((s for s in _SIGN_CURRENCY if s in text), None)
        if named is not None:
            found = named.group(1)
        elif sign is not None:
            found = currency if sign == "$" and currency.endswith("D") else _SIGN_CURRENCY[sign]
        else:
            found = currency
        if found != currency:
            raise ParseError(f"amount in {found}, not {currency}: map the column converted to {currency}")
        return parse(text)

    return check


def _number_parser(field_type: FieldType, separator: DecimalSeparator, scale: Decimal | None) -> Parser:
    """Numbers; a trailing ``%`` is dropped, so ``10%`` and ``10`` read alike (``scale: 0.01``
    makes both a probability of 0.1)."""
    factor = scale if scale is not None else Decimal(1)

    def parse(text: str) -> object:
        number = parse_decimal(text.strip().removesuffix("%"), separator) * factor
        if field_type is FieldType.INT:
            if number != number.to_integral_value():
                raise ParseError("not a whole number")
            if abs(number) >= INT_LIMIT:
                raise ParseError("number too large")
            return int(number)
        if field_type is FieldType.FLOAT:
            return float(number)
        if abs(number) >= MONEY_LIMIT:
            raise ParseError("amount too large")
        return to_money(number) if field_type is FieldType.MONEY else number

    return parse


def describe_formats(formats: tuple[str, ...]) -> str:
    """``%Y-%m-%d`` -> ``YYYY-MM-DD``, for messages."""
    described = []
    for fmt in formats:
        for code, word in _FORMAT_WORDS.items():
            fmt = fmt.replace(code, word)
        described.append(fmt)
    return ", ".join(described)


def _iso_timestamp(text: str) -> dt.datetime | None:
    if len(text) <= 10:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _date_parser(formats: tuple[str, ...]) -> Parser:
    expected = f"not a date (expected {describe_formats(formats)})"

    def parse(text: str) -> object:
        for fmt in formats:
            try:
                if fmt == "%Y-%m-%d" and len(text) == 10:
                    return dt.date.fromisoformat(text)
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        stamp = _iso_timestamp(text)
        if stamp is None:
            raise ParseError(expected)
        return stamp.date()

    return parse


def _datetime_parser(formats: tuple[str, ...]) -> Parser:
    as_date = _date_parser(formats)

    def parse(text: str) -> object:
        stamp = _iso_timestamp(text)
        if stamp is None:
            day = as_date(text)
            assert isinstance(day, dt.date)
            stamp = dt.datetime.combine(day, dt.time())
        return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)

    return parse


def _bool(text: str) -> object:
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ParseError("not a yes/no value (expected true/false, yes/no, 1/0)")


def _memoized(parser: Parser) -> Parser:
    """``parser`` remembering its successes (dates and stages repeat on thousands of rows)."""
    cache: dict[str, object] = {}

    def parse(text: str) -> object:
        try:
            return cache[text]
        except KeyError:
            value = cache[text] = parser(text)
            if len(cache) > _MEMO_LIMIT:
                cache.clear()
            return value

    return parse


def _stage_parser(stages: StageConfig) -> Parser:
    labels = [label for s in stages.stages for label in (s.name, *s.aliases)]

    def parse(text: str) -> object:
        stage = stages.find(text)
        if stage is None:
            best = process.extractOne(text, labels, score_cutoff=60)
            hint = f"; did you mean {best[0]!r}?" if best else ""
            raise ParseError(f"unknown stage (stages are {', '.join(stages.names)}{hint})")
        return stage.name

    return parse


def _forecast_category(text: str) -> object:
    category = ForecastCategory.parse(text)
    if category is None:
        raise ParseError("not a forecast category (pipeline, best case, commit, closed, omitted)")
    return category.value


def _text_parser(max_length: int | None) -> Parser:
    def parse(text: str) -> object:
        if max_length is not None and len(text) > max_length:
            raise ParseError(f"longer than {max_length} characters")
        return text

    return parse


def build_parser(
    field_type: FieldType,
    spec: FieldSpec,
    mapping: Mapping,
    stages: StageConfig | None,
    max_length: int | None,
) -> Parser:
    """The parser of one field, with the mapping's defaults applied (``stages`` for stage fields)."""
    separator = spec.decimal_separator or mapping.decimal_separator
    formats = spec.formats or mapping.date_formats
    if field_type in (FieldType.INT, FieldType.FLOAT, FieldType.DECIMAL, FieldType.MONEY):
        parse = _number_parser(field_type, separator, spec.scale)
        return _in_currency(parse, spec.currency) if spec.currency else parse
    if field_type is FieldType.DATE:
        return _memoized(_date_parser(formats))
    if field_type is FieldType.DATETIME:
        return _datetime_parser(formats)
    if field_type is FieldType.BOOL:
        return _bool
    if field_type is FieldType.STAGE:
        assert stages is not None, "stage fields are parsed against a stage set"
        return _memoized(_stage_parser(stages))
    if field_type is FieldType.FORECAST:
        return _forecast_category
    return _text_parser(max_length)
