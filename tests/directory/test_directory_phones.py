import pytest

from bot.directory.phones import find_phones, normalize_phone, phone_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("13800138000", "13800138000", id="mobile"),
        pytest.param("87001234-2", "87001234 转 2", id="local-landline-extension"),
        pytest.param("8700-1234-25", "87001234 转 25", id="local-landline-grouped-extension"),
        pytest.param("+86 138-0013-8000", "13800138000", id="mobile-country-code"),
        pytest.param("8613800138000", "13800138000", id="mobile-telegram-card"),
        pytest.param("138 0013 8000", "13800138000", id="mobile-spaced"),
        pytest.param("010-12345678", "010-12345678", id="beijing"),
        pytest.param("(010)12345678转801", "010-12345678 转 801", id="parens-extension"),
        pytest.param("010-12345678 转 801", "010-12345678 转 801", id="extension-words"),
        pytest.param("0571-8888 8888-12", "0571-88888888 转 12", id="dash-extension"),
        pytest.param("021 6666 7777 ext 3", "021-66667777 转 3", id="ext"),
        pytest.param("+86 10 1234 5678", "010-12345678", id="international-landline"),
        pytest.param("（0571）88889999", "0571-88889999", id="fullwidth-parens"),
        pytest.param("4008-123-456", "400-812-3456", id="service-400"),
        pytest.param("88881234", "88881234", id="local"),
        pytest.param("+44 20 7946 0958", "+442079460958", id="foreign"),
        pytest.param("abc123", None, id="letters"),
        pytest.param("", None, id="empty"),
        pytest.param("12", None, id="too-short"),
        pytest.param("0571-123", None, id="area-code-without-number"),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("13800138000", "+86 138 0013 8000", id="mobile"),
        pytest.param("010-12345678 转 801", "(010)12345678-801", id="extension"),
    ],
)
def test_the_same_number_written_differently_has_one_key(a, b):
    na, nb = normalize_phone(a), normalize_phone(b)
    assert na is not None and nb is not None
    assert phone_key(na) == phone_key(nb)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        pytest.param("张三 13800138000 010-12345678", ["13800138000", "010-12345678"], id="two"),
        pytest.param("张三13800138000李四", ["13800138000"], id="glued-to-han"),
        pytest.param(
            "电话:13912345678，座机（0571）88889999", ["13912345678", "0571-88889999"], id="labels"
        ),
        pytest.param("2024年 第3季度", [], id="years-are-not-phones"),
        pytest.param("zs2@example.com", [], id="email"),
        pytest.param(
            "010-12345678 转 801 138 0013 8000",
            ["010-12345678 转 801", "13800138000"],
            id="ext-then-mobile",
        ),
    ],
)
def test_find_phones_in_text(text, numbers):
    assert [n for _, _, n in find_phones(text)] == numbers
