"""The document library (资料库): guessing a category, reading tags, finding documents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.directory.models import CATEGORY_KEYS, Category, Document

# Words that give a document's kind away. A Chinese title names its kind last
# (关于报送年度总结的通知 is a 通知), so the match that ends latest wins.
CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.PLAN: ("计划", "规划", "方案", "工作要点", "打算", "plan"),
    Category.ARRANGEMENT: ("安排", "日程", "议程", "排班", "值班表", "行程", "schedule", "agenda"),
    Category.REPORT: ("汇报", "报告", "简报", "专报", "情况说明", "请示", "report"),
    Category.SUMMARY: ("总结", "总结报告", "小结", "述职", "回顾", "summary"),
    Category.NOTICE: ("通知", "通报", "公告", "公示", "函", "notice"),
    Category.RULES: ("制度", "办法", "规定", "条例", "细则", "守则", "章程", "规范", "policy"),
    Category.TEMPLATE: ("模板", "模版", "范本", "范文", "样表", "格式", "template"),
}
# Tags and the category word itself, as people type them.
CATEGORY_NAMES: dict[str, Category] = {c.value: c for c in Category} | {
    name: c for c, name in CATEGORY_KEYS.items()
}
_EXT_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TAG_SPLIT_RE = re.compile(r"[\s,，;；、#]+")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
MAX_TAGS = 10
MAX_TAG = 30


def stem(file_name: str) -> str:
    """A file name without its extension (年度总结.docx → 年度总结)."""
    return _EXT_RE.sub("", file_name.strip())


def guess_category(name: str, tags: Sequence[str] = ()) -> Category:
    """The category a tag names outright, else the one whose word ends latest in the name
    (then in the tags), else 其他."""
    for tag in tags:
        cat = CATEGORY_NAMES.get(tag.strip().lower())
        if cat is not None:
            return cat
    for text in (stem(name), " ".join(tags)):
        found = _latest_word(text.lower())
        if found is not None:
            return found
    return Category.OTHER


def _latest_word(text: str) -> Category | None:
    best: tuple[int, int, Category] | None = None
    for cat, words in CATEGORY_WORDS.items():
        for word in words:
            i = text.rfind(word)
            if i < 0:
                continue
            # Ends latest; on the same end, the longer word (工作要点 over 要点).
            key = (i + len(word), len(word), cat)
            if best is None or key[:2] > best[:2]:
                best = key
    return None if best is None else best[2]


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags from `#资料 年度 总结,财务` (the #资料 marker itself is dropped); unique, in order."""
    text = re.sub(r"^\s*(?:#资料|/save(?:@\w+)?)", "", text)
    out: list[str] = []
    for tag in _TAG_SPLIT_RE.split(text):
        tag = tag.strip()[:MAX_TAG]
        if tag and tag not in out:
            out.append(tag)
    return tuple(out[:MAX_TAGS])


def years_of(doc: Document) -> set[str]:
    """The years a document belongs to: named in its name or tags, and the year it was saved."""
    years = set(_YEAR_RE.findall(doc.name)) | {y for t in doc.tags for y in _YEAR_RE.findall(t)}
    if doc.saved_at is not None:
        years.add(str(doc.saved_at.year))
    return years


def _term_matches(term: str, doc: Document) -> bool:
    t = term.lower()
    if _YEAR_RE.fullmatch(t.removesuffix("年")):
        return t.removesuffix("年") in years_of(doc)
    cat = CATEGORY_NAMES.get(t)
    if cat is not None and doc.category is cat:
        return True
    return t in doc.name.lower() or any(t in tag.lower() for tag in doc.tags)


def find_documents(docs: Iterable[Document], query: str) -> list[Document]:
    """Documents matching every word of `query` (name, tag, category or year), newest first;
    an empty query lists them all."""
    terms = [w for w in _TAG_SPLIT_RE.split(query.strip()) if w]
    hits = [d for d in docs if all(_term_matches(term, d) for term in terms)]
    far_past = datetime.min.replace(tzinfo=UTC)
    return sorted(hits, key=lambda d: (d.saved_at or far_past, d.id), reverse=True)
