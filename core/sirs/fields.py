"""Field types and base models shared by every RS Online V3 payload and decoded row.

The models hold numbers as numbers and dates as dates; ``body()`` renders the
guide's JSON (counts as strings, ``covid`` as a number, ``yyyy-mm-dd`` dates).
Validation happens here, before anything is sent, so a bad value comes back
as a message naming the field instead of an opaque refusal from Kemenkes.
Inputs (inbox events, ``sirs report --file``) may use the guide's own
string-typed JSON; extra keys are refused so that a misspelt field is an error
rather than a silent zero.

Types are strict where lax parsing would invent data: a date is a
``yyyy-mm-dd`` string (or a real date), never a number (pydantic would read
``1736899200`` as 2025-01-15 and ``123.4`` as 1970), and its year lies in
``YEAR_MIN..YEAR_MAX``; a count is a whole number (or its digits as text),
never a bool, a float such as ``2.0``, or more than ``COUNT_MAX``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

__all__ = [
    "COUNT_MAX",
    "M3",
    "YEAR_MAX",
    "YEAR_MIN",
    "Code",
    "Count",
    "Flag",
    "OptionalCount",
    "OptionalText",
    "SirsModel",
    "Tanggal",
    "Text",
    "Timestamp",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^\d+$")


YEAR_MIN, YEAR_MAX = 2000, 2099  # report, visit and birth dates of a live hospital
COUNT_MAX = 999_999_999


def _date(value: Any) -> Any:
    if isinstance(value, str):
        if not _DATE.match(value.strip()):
            raise ValueError(f"must be a date yyyy-mm-dd, got {value!r}")
        return value.strip()
    if not isinstance(value, date):
        raise ValueError(f"must be a date yyyy-mm-dd, got {type(value).__name__} {value!r}")
    return value


def _in_years(value: date) -> date:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(f"must be a date in the years {YEAR_MIN}-{YEAR_MAX}, got {value}")
    return value


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise ValueError(f"must be 'YYYY-MM-DD HH:MM:SS', got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"must be 'YYYY-MM-DD HH:MM:SS', got {type(value).__name__} {value!r}")
    return value


def _count(value: Any) -> Any:
    """Whole numbers only: JSON ints, the guide's digit strings, a database's integral Decimal."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"must be a whole number, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-") and text[1:].isdigit():
            return int(text)  # refused by ge=0 with its own message
        if not text.isdigit() or len(text) > 12:
            raise ValueError(f"must be a whole number, got {value!r}")
        value = int(text)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"must be a whole number, got {value}")
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {type(value).__name__}")
    if value > COUNT_MAX:
        raise ValueError(f"must be at most {COUNT_MAX}, got a number of {len(str(value))} digits")
    return value


def _code(value: Any) -> Any:
    """Reference codes arrive as "3" or 3; both mean the same code."""
    text = str(value).strip() if isinstance(value, int | str) else value
    if isinstance(text, str) and not _DIGITS.match(text):
        raise ValueError(f"must be a numeric code, got {value!r}")
    return text


def _flag(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if str(value).strip() in ("0", "1"):
        return int(str(value).strip())
    raise ValueError(f"must be 0 or 1, got {value!r}")


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


# Numbers stay numbers in Python; the JSON sent upstream has the guide's string forms.
_AS_JSON: Any = {"return_type": str, "when_used": "json"}
Count = Annotated[int, BeforeValidator(_count), Field(ge=0), PlainSerializer(str, **_AS_JSON)]
Tanggal = Annotated[
    date, BeforeValidator(_date), AfterValidator(_in_years),
    PlainSerializer(date.isoformat, **_AS_JSON),
]
Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    AfterValidator(_in_years),
    PlainSerializer(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"), **_AS_JSON),
]
Code = Annotated[str, BeforeValidator(_code)]
Flag = Annotated[int, BeforeValidator(_flag)]
M3 = Annotated[
    Decimal, Field(ge=0, allow_inf_nan=False), PlainSerializer(_decimal_text, **_AS_JSON)
]
Text = Annotated[str, Field(min_length=1)]


class SirsModel(BaseModel):
    """Request payloads: strict about unknown keys, JSON as the guide prints it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class _Row(BaseModel):
    """Decoded rows: the server adds and drops columns over time, so be lenient."""

    model_config = ConfigDict(extra="allow")


def _optional_int(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return int(Decimal(value.strip()))
    return value


OptionalCount = Annotated[int | None, BeforeValidator(_optional_int)]
OptionalText = Annotated[str | None, BeforeValidator(lambda v: None if v is None else str(v))]
