import pytest

from bot.directory.models import Contact
from bot.directory.search import ContactIndex, Match, pinyin_variants

CONTACTS = [
    Contact(1, "张三", "办公室主任", ("13800138000",)),
    Contact(2, "张三丰", "武当山", ("13900001111",)),
    Contact(3, "单雄信", "瓦岗寨", ("010-12345678 转 801",)),
    Contact(4, "李张", "张家口市政府", ()),
    Contact(5, "赵四", "财政局", ("13800138001",), uses=3),
    Contact(6, "John Smith", "Acme", (), email="jsmith@example.com"),
    Contact(7, "曾国藩", "湘军", ()),
]


@pytest.fixture(scope="module")
def index() -> ContactIndex:
    return ContactIndex(CONTACTS)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        pytest.param("张三", ["张三", "张三丰"], id="exact-before-prefix"),
        pytest.param("张", ["张三", "张三丰", "李张"], id="prefix-before-substring"),
        pytest.param("zhangsan", ["张三", "张三丰"], id="full-pinyin-exact-first"),
        pytest.param("zhang", ["张三", "张三丰", "李张"], id="pinyin-prefix-then-syllable"),
        pytest.param("zhang san", ["张三", "张三丰"], id="pinyin-with-space"),
        pytest.param("zs", ["赵四", "张三", "张三丰"], id="initials-used-more-first"),
        pytest.param("san", ["张三", "张三丰"], id="given-name-pinyin"),
        pytest.param("shanxiongxin", ["单雄信"], id="surname-reading"),
        pytest.param("sxx", ["单雄信"], id="surname-initials"),
        pytest.param("danxiongxin", ["单雄信"], id="everyday-reading-too"),
        pytest.param("zengguofan", ["曾国藩"], id="zeng"),
        pytest.param("张家口", ["李张"], id="unit"),
        pytest.param("0013800", ["赵四", "张三"], id="digits-by-use"),
        pytest.param("801", ["单雄信"], id="extension-digits"),
        pytest.param("138-0013-8000", ["张三"], id="digits-with-dashes"),
        pytest.param("john", ["John Smith"], id="latin-prefix"),
        pytest.param("smi", ["John Smith"], id="latin-substring"),
        pytest.param("jsmith", ["John Smith"], id="email-local-part"),
        pytest.param("无此人", [], id="nothing"),
        pytest.param("  ", [], id="blank"),
    ],
)
def test_search_ranks_by_match_quality_then_use(index, query, names):
    assert [h.contact.name for h in index.search(query)] == names


def test_a_name_match_outranks_a_unit_match():
    idx = ContactIndex([Contact(1, "王科长", "张科"), Contact(2, "张科")])
    hits = idx.search("张科")
    assert [(h.contact.id, h.match) for h in hits] == [(2, Match.EXACT), (1, Match.UNIT)]


def test_put_and_remove_keep_the_index_true():
    idx = ContactIndex([Contact(1, "张三", phones=("13800138000",))])
    idx.put(Contact(1, "张四", phones=("13800138000",)))
    assert [h.contact.name for h in idx.search("zhangsi")] == ["张四"]
    assert idx.search("zhangsan") == []
    idx.put(Contact(2, "李四"))
    idx.remove(1)
    assert idx.search("138") == []
    assert [h.contact.name for h in idx.search("si")] == ["李四"]
    assert len(idx) == 1


def test_uses_only_change_reorders_without_rekeying():
    idx = ContactIndex([Contact(1, "张三"), Contact(2, "章三")])
    assert [h.contact.id for h in idx.search("zhangsan")] == [1, 2]
    idx.put(Contact(2, "章三", uses=5))
    assert [h.contact.id for h in idx.search("zhangsan")] == [2, 1]


@pytest.mark.parametrize(
    ("name", "first"),
    [
        pytest.param("张三", [("zhang", "san")], id="plain"),
        pytest.param(
            "单雄信",
            [("dan", "xiong", "xin"), ("chan", "xiong", "xin"), ("shan", "xiong", "xin")],
            id="heteronym-surname",
        ),
        pytest.param("Smith", [], id="latin"),
    ],
)
def test_pinyin_variants(name, first):
    assert list(pinyin_variants(name)) == first
