from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.directory.contacts import ParsedContact
from bot.directory.exchange import RowError, read_csv, read_vcards, write_csv, write_vcards
from bot.directory.models import Contact

AT = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CONTACTS = [
    Contact(
        1,
        "张三",
        "办公室主任",
        ("13800138000", "010-12345678 转 801"),
        "zs@example.com",
        "周一, 不在; 真的",
    ),
    Contact(2, "李四"),
    Contact(3, "O'Brien, Pat", "Acme; Sales", ("+442079460958",), note="line1\nline2"),
]


def _parsed(c: Contact) -> ParsedContact:
    return ParsedContact(c.name, c.unit, c.phones, c.email, c.note)


@pytest.mark.parametrize(
    ("write", "read"),
    [
        pytest.param(write_csv, read_csv, id="csv"),
        pytest.param(write_vcards, read_vcards, id="vcard"),
    ],
)
def test_round_trip(write, read):
    result = read(write(CONTACTS))
    assert result.errors == ()
    assert list(result.contacts) == [_parsed(c) for c in CONTACTS]


def test_csv_is_written_with_a_bom_for_excel():
    assert write_csv(CONTACTS).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("data", "names", "errors"),
    [
        pytest.param(
            "姓名,单位,职务,手机,邮箱,备注\n孙八,财政局,科长,13512345678,sun@example.com,\n".encode(
                "gbk"
            ),
            ["孙八"],
            [],
            id="gbk-chinese-headers",
        ),
        pytest.param(
            "\ufeffname,title,phone,email,note\nAnn,Clerk,13512345678,ann@example.com,x\n".encode(),
            ["Ann"],
            [],
            id="utf8-bom-english-headers",
        ),
        pytest.param(
            "姓名,电话\n王五,13900001111\n,13900002222\n赵六,abc123\n钱七,0571-88889999\n".encode(),
            ["王五", "钱七"],
            [RowError(3, "no_name"), RowError(4, "bad_phone", "abc123")],
            id="bad-rows-by-line",
        ),
        pytest.param(
            "姓名,邮箱\n周九,not-an-email\n".encode(),
            [],
            [RowError(2, "bad_email", "not-an-email")],
            id="bad-email",
        ),
        pytest.param(
            "姓名;电话\n吴十;13900001111\n".encode(),
            ["吴十"],
            [],
            id="semicolons",
        ),
        pytest.param(
            "张三,财政局,13900001111,a@b.cn\n".encode(),
            ["张三"],
            [],
            id="no-header",
        ),
        pytest.param(
            '姓名,备注\n"郑十一","多行\n备注"\n冯十二,\n'.encode(),
            ["郑十一", "冯十二"],
            [],
            id="quoted-multiline",
        ),
    ],
)
def test_read_csv(data, names, errors):
    result = read_csv(data)
    assert [c.name for c in result.contacts] == names
    assert list(result.errors) == errors


def test_headerless_csv_recognises_numbers_and_addresses():
    (c,) = read_csv("张三,财政局,13900001111,a@b.cn,备用\n".encode()).contacts
    assert c == ParsedContact("张三", "财政局", ("13900001111",), "a@b.cn", "备用")


@pytest.mark.parametrize(
    ("vcf", "expected"),
    [
        pytest.param(
            "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0;=E4=B8=89;;;\n"
            "TEL;CELL:+86 138 0013 8000\nEND:VCARD\n",
            [ParsedContact("张三", "", ("13800138000",))],
            id="v21-quoted-printable",
        ),
        pytest.param(
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Long Name Folded\r\n  Here\r\nitem1.TEL;VALUE=uri:tel:010-12345678\r\n"
            "ORG:Acme;Sales\r\nTITLE:Clerk\r\nEND:VCARD\r\n",
            [ParsedContact("Long Name Folded Here", "Acme Sales Clerk", ("010-12345678",))],
            id="v4-folded-grouped",
        ),
    ],
)
def test_read_vcards(vcf, expected):
    result = read_vcards(vcf.encode())
    assert result.errors == ()
    assert list(result.contacts) == expected


def test_vcard_errors_name_the_line_of_the_card():
    vcf = (
        "BEGIN:VCARD\nFN:好人\nEND:VCARD\n"
        "BEGIN:VCARD\nTEL:13800138000\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:坏号码\nTEL:not a phone\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:没结束\n"
    ).encode()
    result = read_vcards(vcf)
    assert [c.name for c in result.contacts] == ["好人"]
    assert [(e.line, e.reason) for e in result.errors] == [
        (4, "no_name"),
        (7, "bad_phone"),
        (11, "unterminated"),
    ]
