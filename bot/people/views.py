"""How /settings reads (pure): the private menu and its pages, a group's menu, the one line
said to a message sent as a chat. Replies, not outbox messages: nothing here is stored.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core.config import LANGS, Lang
from bot.core.fmt import format_when
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.render import Rendered
from bot.people import callbacks
from bot.people.callbacks import Verb
from bot.people.choices import COMMON_ZONES, DIGEST_CHOICES, DIGEST_OFF
from bot.people.models import Person
from bot.reminders.digest import digest_clock

Rows = tuple[tuple[Button, ...], ...]


class Page(StrEnum):
    """Which buttons the private menu shows under its text."""

    HOME = "home"
    LANG = "lang"
    ZONE = "tz"
    DIGEST = "digest"


def _digest_line(person: Person, lang: Lang, default: time) -> str:
    clock = digest_clock(person.digest_time, default)
    if clock is None:
        return t(lang, "settings.digest_off")
    mode = "reminders.mode_quiet" if person.digest_quiet else "reminders.mode_loud"
    return t(lang, "settings.digest_at", time=clock.strftime("%H:%M"), mode=t(lang, mode))


def menu(
    person: Person,
    lang: Lang,
    tz: ZoneInfo,
    *,
    now: datetime,
    default_digest: time,
    page: Page = Page.HOME,
) -> Rendered:
    """The private settings: language, zone (with the time there now) and digest; a page's buttons."""
    text = "\n".join(
        [
            t(lang, "settings.title"),
            t(lang, "settings.lang_line", lang=t(lang, f"settings.lang_{lang}")),
            t(lang, "settings.tz_line", tz=tz.key, now=format_when(now, lang, tz)),
            t(lang, "settings.digest_line", digest=_digest_line(person, lang, default_digest)),
        ]
    )
    return Rendered(text, _PAGES[page](person))


def _home(_person: Person) -> Rows:
    return (
        (
            Button("settings.btn_lang", callbacks.build(Verb.LANG)),
            Button("settings.btn_tz", callbacks.build(Verb.ZONE)),
        ),
        (Button("settings.btn_digest", callbacks.build(Verb.DIGEST)),),
    )


def _back() -> Button:
    return Button("settings.btn_back", callbacks.build(Verb.HOME))


def _languages(_person: Person) -> Rows:
    return (
        tuple(Button(f"settings.lang_{code}", callbacks.build(Verb.LANG, code)) for code in LANGS),
        (_back(),),
    )


def _zones(_person: Person) -> Rows:
    zones = [
        Button("settings.zone", callbacks.build(Verb.ZONE, z), {"zone": z}) for z in COMMON_ZONES
    ]
    rows = [tuple(zones[i : i + 2]) for i in range(0, len(zones), 2)]
    rows.append((Button("settings.btn_tz_type", callbacks.build(Verb.TYPE_ZONE)), _back()))
    return tuple(rows)


def _digests(person: Person) -> Rows:
    choices = [
        Button(
            "settings.digest_choice", callbacks.build(Verb.DIGEST, c.replace(":", "")), {"time": c}
        )
        for c in DIGEST_CHOICES
    ]
    quiet = (
        Button("settings.btn_loud", callbacks.quiet(False))
        if person.digest_quiet
        else Button("settings.btn_quiet", callbacks.quiet(True))
    )
    return (
        tuple(choices[:2]),
        tuple(choices[2:]),
        (Button("settings.btn_digest_off", callbacks.build(Verb.DIGEST, DIGEST_OFF)), quiet),
        (_back(),),
    )


_PAGES = {Page.HOME: _home, Page.LANG: _languages, Page.ZONE: _zones, Page.DIGEST: _digests}


def group_menu(lang: Lang) -> Rendered:
    """A group's settings (its language, `lang`), with a button per language."""
    text = "\n".join(
        [
            t(lang, "settings.group_title"),
            t(lang, "settings.lang_line", lang=t(lang, f"settings.lang_{lang}")),
        ]
    )
    buttons = (
        tuple(
            Button(f"settings.lang_{code}", callbacks.build(Verb.GROUP_LANG, code))
            for code in LANGS
        ),
    )
    return Rendered(text, buttons)


def saved_and_menu(menu_shown: Rendered, lang: Lang) -> Rendered:
    """A typed zone was saved: say so above the menu."""
    return Rendered(t(lang, "settings.saved") + "\n" + menu_shown.text, menu_shown.buttons)


def as_yourself(lang: Lang) -> str:
    """The one line for a command sent as a chat (an anonymous admin, a channel)."""
    return t(lang, "people.as_yourself")
