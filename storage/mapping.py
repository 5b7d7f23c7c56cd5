"""Records of bot/models.py to JSON-native dicts and back: the only place that knows the file layout.

Datetimes must be aware; they are stored as ISO 8601 with their offset, and when the zone is
an IANA zone (ZoneInfo) with its name appended as in RFC 9557 (`...+08:00[Asia/Shanghai]`), so
they come back in the same zone: local-time arithmetic across DST keeps working. Free-form dicts
(`TaskEvent.data`, `Task.reminder_state`, `Button.values`, `OutboxEntry.params`) must hold
JSON-native values only (str keys; None, bool, int, float, str, list, dict): anything else would
come back changed after a reload, so it is refused when the record is stored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.models import Button, OutboxEntry
from bot.people.models import Person, Workspace
from bot.tasks.models import Assignee, Task, TaskEvent
from storage.errors import MappingError

Doc = dict[str, Any]
_T = TypeVar("_T")


# --- values ---------------------------------------------------------------------------------


def dt_to_str(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: storage keeps aware datetimes only")
    if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key:
        return f"{value.isoformat()}[{value.tzinfo.key}]"
    return value.isoformat()


def dt_from_str(value: object) -> datetime:
    if not isinstance(value, str):
        raise MappingError(f"expected an ISO 8601 string, got {value!r}")
    text, zone = value, None
    if value.endswith("]") and "[" in value:
        text, _, zone = value[:-1].partition("[")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MappingError(f"bad datetime {value!r}") from exc
    if parsed.tzinfo is None:
        raise MappingError(f"datetime without offset {value!r}")
    if zone:
        # The offset fixes the instant (and so the fold); the zone restores local rules.
        # An unknown zone name still leaves the correct instant, with its offset.
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            parsed = parsed.astimezone(ZoneInfo(zone))
    return parsed


_SCALARS = (bool, int, float, str)


def _is_native(value: object) -> bool:
    # The same test as check_json_native without building a path per item (the hot path:
    # every stored params / data dict); the path is built only to report a failure.
    if value is None or isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(_is_native(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_native(v) for k, v in value.items())
    return False


def check_json_native(value: object, where: str = "value") -> None:
    """Raise TypeError unless `value` survives a JSON round trip unchanged."""
    if _is_native(value):
        return
    _check_native(value, where)


def _check_native(value: object, where: str) -> None:
    if value is None or isinstance(value, (bool, int, float, str)):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_native(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not a str")
            _check_native(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"{where}: {type(value).__name__} is not JSON-native "
        "(use str, int, float, bool, None, list or dict)"
    )


def _free(value: Mapping[str, Any], where: str) -> dict[str, Any]:
    copy = dict(value)
    check_json_native(copy, where)
    return copy


# --- readers: validate while reading, so a bad file is found at open --------------------------


def _int(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(f"{key}: expected an int, got {value!r}")
    return value


def _str(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{key}: expected a str, got {value!r}")
    return value


def _obj(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(f"{key}: expected an object, got {value!r}")
    return value


# --- records: one mapper per record type, derived from its fields ----------------------------
#
# A field's type says how it is stored: aware datetimes as ISO strings (above), enums by value,
# tuples as lists, nested records as objects, free dicts checked JSON-native. Reading checks every
# value against the type, fills a missing field with its default, and names what is wrong.

Dump = Callable[[Any, str], Any]
Load = Callable[[Any, str], Any]


def _scalar(kind: type) -> tuple[Dump, Load]:
    def load(value: object, key: str) -> object:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            raise MappingError(f"{key}: expected {_NAMES.get(kind, kind.__name__)}, got {value!r}")
        return value

    return (lambda value, _key: value), load


_NAMES = {int: "an int", str: "a str", bool: "a bool", float: "a float"}


def _converters(tp: Any, rows: frozenset[type] = frozenset()) -> tuple[Dump, Load]:
    """How a value of type `tp` is written and read (checked); records of a type in `rows`
    are written as rows (see RecordMapper)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        dump, load = _converters(inner[0], rows)
        return (
            lambda v, k: None if v is None else dump(v, k),
            lambda v, k: None if v is None else load(v, k),
        )
    if tp is datetime:
        return (lambda v, _k: dt_to_str(v)), (lambda v, _k: dt_from_str(v))
    if isinstance(tp, type) and issubclass(tp, Enum):

        def load_enum(value: object, key: str) -> object:
            try:
                return tp(_str(value, key))
            except ValueError as exc:
                raise MappingError(f"{key}: unknown value {value!r}") from exc

        return (lambda v, _k: v.value), load_enum
    if origin is tuple:
        dump_item, load_item = _converters(args[0], rows)

        def load_tuple(value: object, key: str) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise MappingError(f"{key}: expected a list, got {value!r}")
            return tuple(load_item(v, key) for v in value)

        return (lambda v, k: [dump_item(x, k) for x in v]), load_tuple
    if origin is dict or tp is dict:

        def load_dict(value: object, key: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise MappingError(f"{key}: expected an object, got {value!r}")
            return value

        return (lambda v, k: _free(v, k)), load_dict
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        nested = RecordMapper(tp, rows=rows)
        if tp in rows:
            return (lambda v, _k: list(nested.dump(v).values())), nested.load_row
        return (lambda v, _k: nested.dump(v)), (lambda v, k: nested.load(_obj(v, k)))
    if tp in _NAMES:
        return _scalar(tp)
    raise TypeError(f"no storage mapping for type {tp!r}")


class RecordMapper(Generic[_T]):
    """Write and read one record type (a frozen dataclass) as a JSON-native dict.

    Three choices keep the documents a store has always written as they are:
    - `rows`: nested record types written as rows, a list of their fields' values in field
      order (`[11, "resend", 3, 2]`), not as objects;
    - `doc_id`: the field that is the TinyDB document's id: not written into the document, and
      read from the `doc_id` of the tinydb.table.Document `load` is given;
    - `order`: the written keys in the order the documents have them, when that is not the
      fields' order.
    """

    def __init__(
        self,
        cls: type[_T],
        *,
        rows: Iterable[type] = (),
        doc_id: str | None = None,
        order: Sequence[str] | None = None,
    ) -> None:
        self.cls = cls
        self.doc_id = doc_id
        row_types = frozenset(rows)
        hints = typing.get_type_hints(cls)
        fields: dict[str, tuple[str, Dump, Load, Any, str]] = {}
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        for f in dataclasses.fields(cls):
            if f.name == doc_id:
                continue
            dump, load = _converters(hints[f.name], row_types)
            origin = typing.get_origin(hints[f.name])
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory
            elif origin in (tuple, dict):  # a list or object left out of a file reads as empty
                default = tuple if origin is tuple else dict
            else:
                default = dataclasses.MISSING
            where = (
                f"{cls.__name__}.{f.name}" if typing.get_origin(hints[f.name]) is dict else f.name
            )
            fields[f.name] = (f.name, dump, load, default, where)
        if order is not None and sorted(order) != sorted(fields):
            raise ValueError(f"order {order!r} must name each stored field of {cls.__name__} once")
        self._fields = [fields[name] for name in (order or fields)]

    def dump(self, record: _T) -> Doc:
        return {
            name: dump(getattr(record, name), where) for name, dump, _, _, where in self._fields
        }

    def load(self, doc: Mapping[str, Any]) -> _T:
        values: dict[str, Any] = {}
        if self.doc_id is not None:
            values[self.doc_id] = _int(getattr(doc, "doc_id", None), f"{self.doc_id} (doc_id)")
        for name, _, load, default, _where in self._fields:
            value = doc.get(name)
            if value is None:
                if default is dataclasses.MISSING:
                    if name not in doc:
                        raise MappingError(f"missing field {name!r}")
                    values[name] = load(value, name)  # None where a value is required: refused
                    continue
                values[name] = default() if callable(default) else default
                continue
            values[name] = load(value, name)
        return self.cls(**values)

    def load_row(self, value: object, key: str) -> _T:
        """The record a row (see `rows` above) describes; values past its fields are ignored,
        as unknown keys of an object are."""
        if not isinstance(value, list):
            raise MappingError(f"{key}: expected a list, got {value!r}")
        return self.load(dict(zip((name for name, *_ in self._fields), value, strict=False)))


#: Every record type with its writer and reader, for generic callers and the round-trip tests.
_RECORDS = (TaskEvent, Assignee, Task, Person, Workspace, Button, OutboxEntry)
MAPPERS: dict[type, tuple[Callable[[Any], Doc], Callable[[Mapping[str, Any]], Any]]] = {
    cls: (m.dump, m.load) for cls in _RECORDS for m in (RecordMapper(cls),)
}
event_to_dict, event_from_dict = MAPPERS[TaskEvent]
assignee_to_dict, assignee_from_dict = MAPPERS[Assignee]
task_to_dict, task_from_dict = MAPPERS[Task]
person_to_dict, person_from_dict = MAPPERS[Person]
workspace_to_dict, workspace_from_dict = MAPPERS[Workspace]
button_to_dict, button_from_dict = MAPPERS[Button]
outbox_to_dict, outbox_from_dict = MAPPERS[OutboxEntry]


def to_dict(record: object) -> Doc:
    """Any record of bot/models.py as a JSON-native dict."""
    try:
        writer = MAPPERS[type(record)][0]
    except KeyError:
        raise TypeError(f"no mapping for {type(record).__name__}") from None
    return writer(record)


def from_dict(cls: type[_T], doc: Mapping[str, Any]) -> _T:
    """The record of type `cls` a dict describes; MappingError if it does not."""
    try:
        reader = MAPPERS[cls][1]
    except KeyError:
        raise TypeError(f"no mapping for {cls.__name__}") from None
    try:
        record: _T = reader(doc)
    except MappingError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:
        raise MappingError(f"bad {cls.__name__}: {exc}") from exc
    return record
