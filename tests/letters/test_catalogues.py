"""The gettext catalogues match the template: every text translated, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import fundadmin.letters
from fundadmin.letters.content import LETTER_LANGUAGES
from fundadmin.letters.i18n import translations

PACKAGE = Path(fundadmin.letters.__file__).parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _template_texts() -> set[str | tuple[str, ...]]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(PACKAGE, method_map):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("language", sorted(set(LETTER_LANGUAGES) - {"en"}))
class TestCatalogue:
    def test_translates_every_text_of_the_template(self, language: str) -> None:
        path = PACKAGE / "locale" / language / "LC_MESSAGES" / "letters.po"
        with path.open("rb") as po:
            catalogue = read_po(po, locale=language)
        ids = {m.id for m in catalogue if m.id}
        assert ids == _template_texts()
        for message in catalogue:
            if not message.id:
                continue
            assert not message.fuzzy, message.id
            source = message.id if isinstance(message.id, str) else message.id[-1]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                assert text, message.id
                assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source))

    def test_compiles(self, language: str) -> None:
        assert translations(language).gettext("Date") != "Date"
