import pytest

from bot.directory.contacts import ContactParseError, ParsedContact, parse_contact_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "张三 办公室主任 13800138000 zhangsan@example.com 备注 周一不在",
            ParsedContact(
                "张三", "办公室主任", ("13800138000",), "zhangsan@example.com", "周一不在"
            ),
            id="everything",
        ),
        pytest.param(
            "李四，财政局 办公室 010-12345678 转 801",
            ParsedContact("李四", "财政局 办公室", ("010-12345678 转 801",)),
            id="landline-extension",
        ),
        pytest.param(
            "王五(县委办 秘书) 电话:13912345678，座机（0571）88889999 周末请打手机",
            ParsedContact(
                "王五", "县委办 秘书", ("13912345678", "0571-88889999"), "", "周末请打手机"
            ),
            id="labels-and-trailing-note",
        ),
        pytest.param(
            "John Smith Acme Corp +86 138 0013 8000",
            ParsedContact("John Smith", "Acme Corp", ("13800138000",)),
            id="latin-name",
        ),
        pytest.param("赵六", ParsedContact("赵六"), id="name-only"),
        pytest.param(
            "姓名:钱七 单位:教育局 手机:13600001111",
            ParsedContact("钱七", "教育局", ("13600001111",)),
            id="labelled-fields",
        ),
        pytest.param(
            "孙八 13800138000 +86 138 0013 8000",
            ParsedContact("孙八", "", ("13800138000",)),
            id="same-number-twice",
        ),
        pytest.param(
            "周九 note: Call after 3pm",
            ParsedContact("周九", "", (), "", "Call after 3pm"),
            id="english-note",
        ),
    ],
)
def test_parse_contact_text(text, expected):
    assert parse_contact_text(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "13800138000", "a@b.cn"])
def test_a_contact_needs_a_name(text):
    with pytest.raises(ContactParseError):
        parse_contact_text(text)
