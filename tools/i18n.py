"""Keep the catalogues complete: `python tools/i18n.py` extracts every string, updates `hi` and `en`,
fills `en` with the English source text, and lists what is still untranslated in Hindi: write those
msgstr entries in marketplace/translations/hi/LC_MESSAGES/messages.po, then `pybabel compile`."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "marketplace" / "translations"
BIN = Path(sys.executable).parent


def _pybabel(*args: str) -> None:
    subprocess.run([str(BIN / "pybabel"), *args], check=True, cwd=ROOT, capture_output=True)


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _write(path: Path, catalog) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, ignore_obsolete=True)


def _empty(msg) -> bool:
    return not msg.string if isinstance(msg.id, str) else not all(msg.string)


def _fragments() -> dict:
    """Hindi written in marketplace/translations/hi-src/*.po (one file per piece of work, so that people
    working in parallel never edit the same catalogue); folded into the catalogue's empty entries."""
    found = {}
    for path in sorted((TRANSLATIONS / "hi-src").glob("*.po")):
        for msg in _read(path):
            if msg.id and not _empty(msg):
                found[msg.id] = msg.string
    return found


def main() -> int:
    pot = TRANSLATIONS / "messages.pot"
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "--no-location", "--sort-output",
             "marketplace", "templates")
    _pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")
    missing = []
    fragments = _fragments()
    for lang in ("en", "hi"):
        path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        catalog = _read(path)
        for msg in catalog:
            if not msg.id:
                continue
            msg.flags.discard("fuzzy")
            if lang == "en" and _empty(msg):  # plural entries too: their msgstr is a tuple of empty strings
                msg.string = msg.id
            if lang == "hi" and _empty(msg) and msg.id in fragments:
                msg.string = fragments[msg.id]
            empty = _empty(msg)
            if empty:
                missing.append((lang, msg.id))
        _write(path, catalog)
    for lang, msgid in missing:
        print(f"untranslated [{lang}]: {msgid!r}")
    print(f"{len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
