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
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.models import Button, OutboxEntry
from bot.people.models import Person, Workspace
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
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


def _opt_dt_to_str(value: datetime | None) -> str | None:
    return None if value is None else dt_to_str(value)


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


def _get(doc: Mapping[str, Any], key: str) -> Any:
    try:
        return doc[key]
    except KeyError:
        raise MappingError(f"missing field {key!r}") from None


def _int(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(f"{key}: expected an int, got {value!r}")
    return value


def _opt_int(doc: Mapping[str, Any], key: str) -> int | None:
    value = doc.get(key)
    return None if value is None else _int(value, key)


def _str(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{key}: expected a str, got {value!r}")
    return value


def _opt_str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return None if value is None else _str(value, key)


def _bool(doc: Mapping[str, Any], key: str, default: bool) -> bool:
    value = doc.get(key, default)
    if not isinstance(value, bool):
        raise MappingError(f"{key}: expected a bool, got {value!r}")
    return value


def _opt_dt(doc: Mapping[str, Any], key: str) -> datetime | None:
    value = doc.get(key)
    return None if value is None else dt_from_str(value)


def _dict(doc: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(f"{key}: expected an object, got {value!r}")
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise MappingError(f"{key}: expected a list, got {value!r}")
    return value


def _ints(doc: Mapping[str, Any], key: str) -> tuple[int, ...]:
    return tuple(_int(v, key) for v in _list(doc, key))


def _enum(cls: Callable[[str], _T], doc: Mapping[str, Any], key: str, default: _T) -> _T:
    value = doc.get(key)
    if value is None:
        return default
    try:
        return cls(_str(value, key))
    except ValueError as exc:
        raise MappingError(f"{key}: unknown value {value!r}") from exc


def _obj(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(f"{key}: expected an object, got {value!r}")
    return value


# --- records ---------------------------------------------------------------------------------


def event_to_dict(event: TaskEvent) -> Doc:
    return {
        "at": dt_to_str(event.at),
        "actor": event.actor,
        "action": event.action,
        "note": event.note,
        "data": _free(event.data, "TaskEvent.data"),
    }


def event_from_dict(doc: Mapping[str, Any]) -> TaskEvent:
    return TaskEvent(
        at=dt_from_str(_get(doc, "at")),
        actor=_int(_get(doc, "actor"), "actor"),
        action=_str(_get(doc, "action"), "action"),
        note=_str(doc.get("note", ""), "note"),
        data=_dict(doc, "data"),
    )


def assignee_to_dict(assignee: Assignee) -> Doc:
    return {
        "user_id": assignee.user_id,
        "username": assignee.username,
        "acknowledged_at": _opt_dt_to_str(assignee.acknowledged_at),
        "done_at": _opt_dt_to_str(assignee.done_at),
    }


def assignee_from_dict(doc: Mapping[str, Any]) -> Assignee:
    return Assignee(
        user_id=_opt_int(doc, "user_id"),
        username=_opt_str(doc, "username"),
        acknowledged_at=_opt_dt(doc, "acknowledged_at"),
        done_at=_opt_dt(doc, "done_at"),
    )


def task_to_dict(task: Task) -> Doc:
    return {
        "number": task.number,
        "space": task.space,
        "chat_id": task.chat_id,
        "title": task.title,
        "assigner": task.assigner,
        "assignees": [assignee_to_dict(a) for a in task.assignees],
        "created_at": dt_to_str(task.created_at),
        "due": _opt_dt_to_str(task.due),
        "priority": task.priority.value,
        "recurrence": task.recurrence,
        "remind_before": task.remind_before,
        "kind": task.kind.value,
        "status": task.status.value,
        "source_message_id": task.source_message_id,
        "events": [event_to_dict(e) for e in task.events],
        "reminder_state": _free(task.reminder_state, "Task.reminder_state"),
        "updated_at": _opt_dt_to_str(task.updated_at),
    }


def task_from_dict(doc: Mapping[str, Any]) -> Task:
    return Task(
        number=_int(_get(doc, "number"), "number"),
        space=_str(_get(doc, "space"), "space"),
        chat_id=_int(_get(doc, "chat_id"), "chat_id"),
        title=_str(_get(doc, "title"), "title"),
        assigner=_int(_get(doc, "assigner"), "assigner"),
        assignees=tuple(assignee_from_dict(_obj(a, "assignees")) for a in _list(doc, "assignees")),
        created_at=dt_from_str(_get(doc, "created_at")),
        due=_opt_dt(doc, "due"),
        priority=_enum(Priority, doc, "priority", Priority.NORMAL),
        recurrence=_opt_str(doc, "recurrence"),
        remind_before=_opt_int(doc, "remind_before"),
        kind=_enum(Kind, doc, "kind", Kind.TASK),
        status=_enum(Status, doc, "status", Status.OPEN),
        source_message_id=_opt_int(doc, "source_message_id"),
        events=tuple(event_from_dict(_obj(e, "events")) for e in _list(doc, "events")),
        reminder_state=_dict(doc, "reminder_state"),
        updated_at=_opt_dt(doc, "updated_at"),
    )


def person_to_dict(person: Person) -> Doc:
    return {
        "user_id": person.user_id,
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "language": person.language,
        "telegram_language": person.telegram_language,
        "tz": person.tz,
        "started": person.started,
        "blocked": person.blocked,
        "chats": list(person.chats),
        "digest_time": person.digest_time,
        # "digest_loud", not the old "digest_quiet": every person stored before had
        # digest_quiet false (the old default), so only an explicit /digest loud counts now.
        "digest_loud": not person.digest_quiet,
        "updated_at": _opt_dt_to_str(person.updated_at),
    }


def person_from_dict(doc: Mapping[str, Any]) -> Person:
    return Person(
        user_id=_int(_get(doc, "user_id"), "user_id"),
        username=_opt_str(doc, "username"),
        first_name=_str(doc.get("first_name", ""), "first_name"),
        last_name=_str(doc.get("last_name", ""), "last_name"),
        language=_opt_str(doc, "language"),
        telegram_language=_opt_str(doc, "telegram_language"),
        tz=_opt_str(doc, "tz"),
        started=_bool(doc, "started", False),
        blocked=_bool(doc, "blocked", False),
        chats=_ints(doc, "chats"),
        digest_time=_opt_str(doc, "digest_time"),
        digest_quiet=not _bool(doc, "digest_loud", False),
        updated_at=_opt_dt(doc, "updated_at"),
    )


def workspace_to_dict(workspace: Workspace) -> Doc:
    return {
        "chat_id": workspace.chat_id,
        "title": workspace.title,
        "members": list(workspace.members),
        "admins": list(workspace.admins),
        "language": workspace.language,
        "updated_at": _opt_dt_to_str(workspace.updated_at),
    }


def workspace_from_dict(doc: Mapping[str, Any]) -> Workspace:
    return Workspace(
        chat_id=_int(_get(doc, "chat_id"), "chat_id"),
        title=_str(doc.get("title", ""), "title"),
        members=_ints(doc, "members"),
        admins=_ints(doc, "admins"),
        language=_opt_str(doc, "language"),
        updated_at=_opt_dt(doc, "updated_at"),
    )


def button_to_dict(button: Button) -> Doc:
    return {
        "label_key": button.label_key,
        "callback_data": button.callback_data,
        "values": _free(button.values, "Button.values"),
        "url": button.url,
    }


def button_from_dict(doc: Mapping[str, Any]) -> Button:
    return Button(
        label_key=_str(_get(doc, "label_key"), "label_key"),
        callback_data=_str(_get(doc, "callback_data"), "callback_data"),
        values=_dict(doc, "values"),
        url=_opt_str(doc, "url"),
    )


def outbox_to_dict(entry: OutboxEntry) -> Doc:
    return {
        "id": entry.id,
        "space": entry.space,
        "created_at": dt_to_str(entry.created_at),
        "template": entry.template,
        "params": _free(entry.params, "OutboxEntry.params"),
        "to_user": entry.to_user,
        "to_chat": entry.to_chat,
        "fallback_chat": entry.fallback_chat,
        "origin_user": entry.origin_user,
        "reply_to_message_id": entry.reply_to_message_id,
        "task_number": entry.task_number,
        "not_before": _opt_dt_to_str(entry.not_before),
        "sent_at": _opt_dt_to_str(entry.sent_at),
        "sent_chat_id": entry.sent_chat_id,
        "sent_message_id": entry.sent_message_id,
        "failed": entry.failed,
        "attempts": entry.attempts,
    }


def outbox_from_dict(doc: Mapping[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        id=_str(_get(doc, "id"), "id"),
        space=_str(_get(doc, "space"), "space"),
        created_at=dt_from_str(_get(doc, "created_at")),
        template=_str(_get(doc, "template"), "template"),
        params=_dict(doc, "params"),
        to_user=_opt_int(doc, "to_user"),
        to_chat=_opt_int(doc, "to_chat"),
        fallback_chat=_opt_int(doc, "fallback_chat"),
        origin_user=_opt_int(doc, "origin_user"),
        reply_to_message_id=_opt_int(doc, "reply_to_message_id"),
        task_number=_opt_int(doc, "task_number"),
        not_before=_opt_dt(doc, "not_before"),
        sent_at=_opt_dt(doc, "sent_at"),
        sent_chat_id=_opt_int(doc, "sent_chat_id"),
        sent_message_id=_opt_int(doc, "sent_message_id"),
        failed=_opt_str(doc, "failed"),
        attempts=_int(doc.get("attempts", 0), "attempts"),
    )


#: Every record type with its writer and reader, for generic callers and the round-trip tests.
MAPPERS: dict[type, tuple[Callable[[Any], Doc], Callable[[Mapping[str, Any]], Any]]] = {
    TaskEvent: (event_to_dict, event_from_dict),
    Assignee: (assignee_to_dict, assignee_from_dict),
    Task: (task_to_dict, task_from_dict),
    Person: (person_to_dict, person_from_dict),
    Workspace: (workspace_to_dict, workspace_from_dict),
    Button: (button_to_dict, button_from_dict),
    OutboxEntry: (outbox_to_dict, outbox_from_dict),
}


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
