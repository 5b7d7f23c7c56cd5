import re
import string

import pytest

from bot.core.i18n import Safe, catalog, normalize_lang, t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_zh_and_en_have_the_same_keys():
    assert set(catalog("zh")) == set(catalog("en"))


def test_zh_and_en_use_the_same_placeholders():
    zh, en = catalog("zh"), catalog("en")
    mismatched = {k for k in zh if _fields(zh[k]) != _fields(en[k])}
    assert mismatched == set()


_ALLOWED_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a)(\s[^>]*)?>")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalog_html_uses_only_telegram_tags(lang):
    for key, template in catalog(lang).items():
        stripped = _ALLOWED_TAGS.sub("", template)
        assert "<" not in stripped.replace("<code>", ""), key


def test_values_are_html_escaped_unless_safe():
    assert t("en", "fmt.today") == "Today"
    out = t("en", "tasks.card_title", number=1, title="<script>&")
    assert "&lt;script&gt;&amp;" in out
    out = t("en", "tasks.card_title", number=1, title=Safe("<b>x</b>"))
    assert "<b>x</b>" in out


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en", "en"), ("en-US", "en"), ("zh-hans", "zh"), ("de", "zh"), (None, "zh"), ("", "zh")],
)
def test_telegram_language_codes_map_to_zh_or_en(code, expected):
    assert normalize_lang(code) == expected
