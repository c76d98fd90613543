"""The English catalog (locale/en) is complete and current: every marked string has an English
translation with the same placeholders, the committed .mo is compiled from the committed .po, and
the .po lists exactly the strings the code and templates mark today (`make messages` refreshes it).

The .po is read by a small parser here rather than a new dependency; gettext's own tools (msgfmt,
xgettext behind makemessages) check the rest, as they are installed wherever the tests run (.ci/run).
"""

import os
import re
import shutil
import subprocess
import sys
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATES = ROOT / "templates"

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")


def _unquote(line: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], line[line.index('"') + 1:line.rindex('"')])


def read_po(path=PO) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags, obsolete."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, field = {"flags": set(), "msgstr": {}, "obsolete": False}, None
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                text = _unquote(line)
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += text
                else:
                    entry[field[0]] += text
            else:
                keyword = line.split(" ", 1)[0]
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                field = ("msgstr", int(match.group(1))) if match else ("msgstr", 0) if keyword == "msgstr" else (keyword,)
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] = _unquote(line)
                else:
                    entry[keyword] = _unquote(line)
        if "msgid" in entry or entry["obsolete"]:
            entry["msgstr"] = [entry["msgstr"][index] for index in sorted(entry["msgstr"])]
            entries.append(entry)
    return entries


def key(entry) -> tuple:
    return entry.get("msgctxt"), entry.get("msgid"), entry.get("msgid_plural")


def placeholders(text: str) -> tuple:
    """Named placeholders as a set, and the number of positional ones ('%%' is not a placeholder)."""
    found = [(name, kind) for name, kind in _PLACEHOLDER.findall(text) if kind != "%"]
    return {name for name, _kind in found if name}, sum(1 for name, _kind in found if not name)


@pytest.fixture(scope="module")
def catalog():
    return read_po()


@pytest.fixture(scope="module")
def messages(catalog):
    return [entry for entry in catalog if entry.get("msgid")]


def test_the_catalog_holds_the_english_translations(catalog, messages):
    header = catalog[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert len(messages) > 1000


def test_every_msgid_has_an_english_translation(catalog, messages):
    untranslated = [entry["msgid"] for entry in messages if not entry["msgstr"] or not all(entry["msgstr"])]
    fuzzy = [entry["msgid"] for entry in messages if "fuzzy" in entry["flags"]]
    obsolete = [entry for entry in catalog if entry["obsolete"]]
    assert not untranslated, f"{len(untranslated)} without English, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy translations to check, e.g. {fuzzy[:3]}"
    assert not obsolete


def test_translations_keep_every_placeholder_and_both_plural_forms(messages):
    wrong = []
    for entry in messages:
        if "msgid_plural" in entry:
            pairs = [(entry["msgid"], entry["msgstr"][0]), (entry["msgid_plural"], entry["msgstr"][1])]
            if len(entry["msgstr"]) != 2:
                wrong.append((entry["msgid"], "needs msgstr[0] and msgstr[1]"))
        else:
            pairs = [(entry["msgid"], entry["msgstr"][0])]
        for source, english in pairs:
            if placeholders(source) != placeholders(english):
                wrong.append((source, english))
    assert not wrong


def test_the_catalog_passes_msgfmt_check():
    # msgfmt also checks each python-format string would format without error, and the header.
    result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(PO)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr


# Django's own strings that our templates use on purpose, shown in Django's Indonesian.
DJANGO_STRINGS = {"Home", "History", "English"}


def test_indonesian_pages_show_the_source_strings_as_written(messages):
    """No msgid of ours is also one of Django's with another Indonesian text ("No" would read "Tidak")."""
    changed = []
    with translation.override("id"):
        for entry in messages:
            if "msgid_plural" in entry:
                shown, written = ngettext(entry["msgid"], entry["msgid_plural"], 2), entry["msgid_plural"]
            elif "msgctxt" in entry:
                shown, written = pgettext(entry["msgctxt"], entry["msgid"]), entry["msgid"]
            else:
                shown, written = gettext(entry["msgid"]), entry["msgid"]
            if shown != written and written not in DJANGO_STRINGS:
                changed.append((written, shown))
    assert not changed


def test_the_committed_mo_is_compiled_from_the_committed_po(messages):
    with MO.open("rb") as handle:
        compiled = GNUTranslations(handle)._catalog
    expected = {}
    for entry in messages:
        msgid = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            expected.update({(msgid, index): text for index, text in enumerate(entry["msgstr"])})
        else:
            expected[msgid] = entry["msgstr"][0]
    compiled.pop("", None)
    assert compiled == expected, "locale/en/LC_MESSAGES/django.mo is stale: run `make messages`"


def template_messages():
    """(context, msgid, plural) of every {% translate %}/{% blocktranslate %} as Django looks it up."""
    engine = engines["django"].engine
    for path in sorted(TEMPLATES.rglob("*.html")):
        nodelist = engine.get_template(str(path.relative_to(TEMPLATES))).nodelist
        for node in nodelist.get_nodes_by_type(TranslateNode):
            literal = getattr(node.filter_expression.var, "literal", None)
            if literal is not None and not node.noop:
                yield path.name, _context(node), literal.replace("%", "%%"), None
        for node in nodelist.get_nodes_by_type(BlockTranslateNode):
            singular = node.render_token_list(node.singular)[0]
            plural = node.render_token_list(node.plural)[0] if node.plural and node.countervar else None
            yield path.name, _context(node), singular, plural


def _context(node):
    if node.message_context is None:
        return None
    var = node.message_context.var  # a constant is kept as the plain string
    return var if isinstance(var, str) else var.literal


def test_every_template_string_is_found_in_the_catalog_as_the_template_asks_for_it(messages):
    # makemessages reads templates with regular expressions; Django parses them. A string the two
    # read differently (an escaped quote inside {% translate "…" %}) would silently stay Indonesian.
    known = {key(entry) for entry in messages}
    missing = [found for found in template_messages() if found[1:] not in known]
    assert not missing


def test_the_catalog_lists_exactly_the_strings_marked_in_the_code(tmp_path, catalog):
    """`make messages` on a copy of the sources would change no msgid: nothing new left untranslated."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "var", "test-artifacts", "bench", "static", "__pycache__", "*.mo"))
    clean = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--add-location=file",
         "--ignore=.venv", "--ignore=bench"],
        cwd=copy, env={**clean, "DEBUG": "true"}, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    extracted = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert {key(entry) for entry in extracted} == {key(entry) for entry in catalog}, (
        "the marked strings changed: run `make messages` and translate the new entries")
