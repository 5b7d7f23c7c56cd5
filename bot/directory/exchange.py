"""Contacts in and out as CSV and vCard: headers in Chinese or English, UTF-8 (with or without
BOM) or GBK; a bad row is reported by its line number and the good rows still come through."""

from __future__ import annotations

import csv
import io
import quopri
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.directory.contacts import EMAIL_RE, MAX_FIELD, MAX_NAME, ParsedContact
from bot.directory.models import Contact
from bot.directory.phones import normalize_phone, phone_key

# Header cell (folded) → field. Several columns may feed one field (单位 + 职务, 手机 + 电话).
HEADERS: dict[str, str] = {
    "姓名": "name",
    "名字": "name",
    "名称": "name",
    "name": "name",
    "fullname": "name",
    "fn": "name",
    "单位": "unit",
    "部门": "unit",
    "单位/职务": "unit",
    "单位职务": "unit",
    "职务": "unit",
    "职位": "unit",
    "unit": "unit",
    "title": "unit",
    "organization": "unit",
    "company": "unit",
    "department": "unit",
    "unit/title": "unit",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "手机号码": "phone",
    "电话号码": "phone",
    "座机": "phone",
    "办公电话": "phone",
    "联系电话": "phone",
    "phone": "phone",
    "mobile": "phone",
    "tel": "phone",
    "telephone": "phone",
    "phones": "phone",
    "邮箱": "email",
    "电子邮箱": "email",
    "电子邮件": "email",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "备注": "note",
    "说明": "note",
    "note": "note",
    "notes": "note",
    "remark": "note",
}
CSV_HEADER = ("姓名", "单位/职务", "电话", "邮箱", "备注")
_PHONE_SPLIT_RE = re.compile(r"[;；,，/、|]+")
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class FileFormat(StrEnum):
    CSV = "csv"
    VCARD = "vcard"


def file_format(file_name: str, mime_type: str) -> FileFormat | None:
    """A file /import can read, by its name or type: vCard or CSV (plain text as CSV)."""
    name, mime = file_name.lower(), mime_type.lower()
    if name.endswith((".vcf", ".vcard")) or "vcard" in mime:
        return FileFormat.VCARD
    if name.endswith((".csv", ".txt")) or mime in ("text/csv", "text/comma-separated-values"):
        return FileFormat.CSV
    return None


def read_contacts(fmt: FileFormat, data: bytes) -> ImportResult:
    return read_vcards(data) if fmt is FileFormat.VCARD else read_csv(data)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str  # catalog key under directory.import_error.*
    text: str = ""  # the offending value, for the message


@dataclass(frozen=True, slots=True)
class ImportResult:
    contacts: tuple[ParsedContact, ...]
    errors: tuple[RowError, ...]


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030 (a superset of GBK, as Excel on Chinese Windows saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", "", cell).lower()


def read_csv(data: bytes) -> ImportResult:
    """Contacts from CSV bytes; without a recognised header the columns are taken in the export
    order (姓名, 单位/职务, 电话, 邮箱, 备注)."""
    text = decode(data)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    # The header line decides the delimiter (Excel in some locales writes ';', TSV uses tabs).
    delimiter = max(",;\t", key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns: list[str] | None = None
    headerless = False
    out: list[ParsedContact] = []
    errors: list[RowError] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            mapped = [HEADERS.get(_header_key(c), "") for c in row]
            columns = mapped
            if "name" in mapped:
                continue
            headerless = True
        if len(out) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append(RowError(line, "too_many", str(MAX_IMPORT_ROWS)))
            break
        fields = _guess_fields(row) if headerless else dict_rows(columns, row)
        parsed = _row(fields, line)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            out.append(parsed)
    return ImportResult(tuple(out), tuple(errors))


def dict_rows(columns: Sequence[str], row: Sequence[str]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for i, cell in enumerate(row):
        name = columns[i] if i < len(columns) else ""
        if name and cell.strip():
            fields.setdefault(name, []).append(cell.strip())
    return fields


def _guess_fields(row: Sequence[str]) -> dict[str, list[str]]:
    """A row of a file without a header: numbers and addresses are recognised by their look;
    the other cells are the name, then the unit/title, then the note."""
    fields: dict[str, list[str]] = {}
    free = iter(("name", "unit"))
    for cell in (c.strip() for c in row):
        if not cell:
            continue
        if EMAIL_RE.fullmatch(cell):
            kind = "email"
        elif all(normalize_phone(p) for p in _PHONE_SPLIT_RE.split(cell) if p.strip()) and any(
            ch.isdigit() for ch in cell
        ):
            kind = "phone"
        else:
            kind = next(free, "note")
        fields.setdefault(kind, []).append(cell)
    return fields


def _row(fields: dict[str, list[str]], line: int) -> ParsedContact | RowError:
    name = " ".join(fields.get("name", []))
    if not name:
        return RowError(line, "no_name")
    if len(name) > MAX_NAME:
        return RowError(line, "name_too_long", name[:20])
    phones: list[str] = []
    for cell in fields.get("phone", []):
        for part in _PHONE_SPLIT_RE.split(cell):
            if not part.strip():
                continue
            number = normalize_phone(part)
            if number is None:
                return RowError(line, "bad_phone", part.strip())
            if phone_key(number) not in {phone_key(p) for p in phones}:
                phones.append(number)
    email = " ".join(fields.get("email", [])).strip()
    if email and not EMAIL_RE.fullmatch(email):
        return RowError(line, "bad_email", email)
    return ParsedContact(
        name=name,
        unit=" ".join(fields.get("unit", []))[:MAX_FIELD],
        phones=tuple(phones),
        email=email.lower(),
        note=" ".join(fields.get("note", []))[:MAX_FIELD],
    )


def write_csv(contacts: Iterable[Contact]) -> bytes:
    """UTF-8 with BOM so that Excel opens the Chinese right; phones joined by '; '."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for c in contacts:
        writer.writerow([c.name, c.unit, "; ".join(c.phones), c.email, c.note])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


# --- vCard ------------------------------------------------------------------------------------


def _vescape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def _vunescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def write_vcards(contacts: Iterable[Contact]) -> bytes:
    """vCard 3.0, UTF-8: FN, N, ORG (unit/title), one TEL per number, EMAIL, NOTE."""
    lines: list[str] = []
    for c in contacts:
        lines += [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"FN:{_vescape(c.name)}",
            f"N:{_vescape(c.name)};;;;",
        ]
        if c.unit:
            lines.append(f"ORG:{_vescape(c.unit)}")
        for phone in c.phones:
            kind = "CELL" if phone.isdigit() and len(phone) == 11 else "WORK"
            lines.append(f"TEL;TYPE={kind}:{_vescape(phone)}")
        if c.email:
            lines.append(f"EMAIL:{_vescape(c.email)}")
        if c.note:
            lines.append(f"NOTE:{_vescape(c.note)}")
        lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the physical line number each starts on (RFC 6350 folding, and
    quoted-printable soft breaks as older phones write them)."""
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif out and out[-1][1].endswith("=") and "QUOTED-PRINTABLE" in out[-1][1].upper():
            out[-1] = (out[-1][0], out[-1][1][:-1] + raw)
        else:
            out.append((number, raw))
    return out


def _value(params: list[str], value: str) -> str:
    upper = [p.upper() for p in params]
    if "ENCODING=QUOTED-PRINTABLE" in upper or "QUOTED-PRINTABLE" in upper:
        charset = next(
            (p.split("=", 1)[1] for p in params if p.upper().startswith("CHARSET=")), "utf-8"
        )
        try:
            value = quopri.decodestring(value.encode("ascii", errors="replace")).decode(
                charset, errors="replace"
            )
        except LookupError:
            value = quopri.decodestring(value.encode("ascii", errors="replace")).decode(
                "utf-8", errors="replace"
            )
    return value


def read_vcards(data: bytes) -> ImportResult:
    """Contacts from a .vcf (2.1, 3.0 or 4.0); a card without a name or with a bad number is
    reported by the line of its BEGIN:VCARD."""
    out: list[ParsedContact] = []
    errors: list[RowError] = []
    card: dict[str, list[str]] | None = None
    start = 0
    for number, line in _unfold(decode(data)):
        if not line.strip():
            continue
        head, sep, value = line.partition(":")
        if not sep:
            continue
        prop, *params = head.split(";")
        prop = prop.split(".")[-1].upper()  # item1.TEL → TEL
        if prop == "BEGIN" and value.strip().upper() == "VCARD":
            card, start = {}, number
            continue
        if card is None:
            continue
        if prop == "END":
            parsed = _card(card, start)
            (errors if isinstance(parsed, RowError) else out).append(parsed)  # type: ignore[arg-type]
            card = None
            if len(out) + len(errors) >= MAX_IMPORT_ROWS:
                break
            continue
        card.setdefault(prop, []).append(_value(params, value))
    if card is not None:
        errors.append(RowError(start, "unterminated"))
    return ImportResult(tuple(out), tuple(errors))


def _card(card: dict[str, list[str]], line: int) -> ParsedContact | RowError:
    name = _vunescape(card.get("FN", [""])[0]).strip()
    if not name and card.get("N"):
        parts = [_vunescape(p) for p in re.split(r"(?<!\\);", card["N"][0])]
        # N is family;given;...: Chinese names read family then given, with no space.
        family, given = [*parts, "", ""][:2]
        name = f"{family}{given}" if _is_han(family + given) else f"{given} {family}".strip()
    if not name:
        return RowError(line, "no_name")
    fields: dict[str, list[str]] = {
        "name": [name],
        "unit": [
            " ".join(p for p in re.split(r"(?<!\\);", v) if p).replace("\\;", ";")
            for v in card.get("ORG", []) + card.get("TITLE", [])
        ],
        "phone": [_vunescape(v).removeprefix("tel:") for v in card.get("TEL", [])],
        "email": [_vunescape(v) for v in card.get("EMAIL", [])[:1]],
        "note": [_vunescape(v) for v in card.get("NOTE", [])],
    }
    fields["unit"] = [_vunescape(u) for u in fields["unit"] if u]
    return _row({k: [x for x in v if x.strip()] for k, v in fields.items()}, line)


def _is_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)
