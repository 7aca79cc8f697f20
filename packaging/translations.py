"""Keep the translations in step with the code: ``make translations``.

Extracts every ``tr("...")`` string of the desktop app with ``pyside6-lupdate``, updates each
``resources/i18n/tidings_LANG.ts`` (keeping what translators wrote, marking new strings
unfinished, dropping ones the code no longer has), and compiles each to its ``.qm`` with
``pyside6-lrelease``. ``--check`` changes nothing and fails if a string lacks a translation.

A string counted with ``tr(text, "", n)`` has one form per plural of the language (Korean
one, English two). English is the source language, so its plurals alone come from a file of
their own, ``plurals_en.ts``, which holds only those strings ("1 member", "2 members").
"""

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
SOURCES = sorted([*(ROOT / "desktop" / "ui").rglob("*.py"), ROOT / "desktop" / "app.py"])
CONTEXT = "Tidings"  # desktop/ui/i18n.py translates in this one context
TOOLS = Path(sys.executable).parent


def extract() -> list[ET.Element]:
    """The app's current strings, as lupdate's <message> elements (with locations)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "strings.ts"
        subprocess.run(
            [
                str(TOOLS / "pyside6-lupdate"),
                "-locations",
                "none",
                *map(str, SOURCES),
                "-ts",
                str(out),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        return list(ET.parse(out).getroot().iter("message"))


def _finished(translation: ET.Element | None) -> bool:
    if translation is None or translation.get("type") is not None:
        return False
    forms = translation.findall("numerusform")
    if forms:
        return all(form.text for form in forms)
    return bool(translation.text and translation.text.strip())


def translations(ts: Path) -> dict[str, ET.Element]:
    """Finished translations already in a .ts file (their <translation> elements), by
    source text."""
    if not ts.exists():
        return {}
    found: dict[str, ET.Element] = {}
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is not None and _finished(translation):
            found[message.findtext("source", "")] = translation
    return found


def wanted(ts: Path) -> list[ET.Element]:
    """The current strings ``ts`` translates: all of them, or the counted ones only for a
    ``plurals_`` file."""
    messages = extract()
    if ts.name.startswith("plurals_"):
        return [m for m in messages if m.get("numerus") == "yes"]
    return messages


def _forms(language: str) -> int:
    """How many plural forms ``language`` has, as Qt counts them."""
    return 2 if language == "en" else 1


def update(ts: Path, language: str) -> list[str]:
    """Rewrite ``ts`` for the current strings; returns the sources still untranslated."""
    known = translations(ts)
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    missing: list[str] = []
    for message in wanted(ts):
        source = message.findtext("source", "")
        old = message.find("translation")
        if old is not None:
            message.remove(old)
        translation = known.get(source)
        if translation is None:
            translation = ET.Element("translation", type="unfinished")
            if message.get("numerus") == "yes":
                for _ in range(_forms(language)):
                    ET.SubElement(translation, "numerusform")
            missing.append(source)
        message.append(translation)
        context.append(message)
    ET.indent(root)
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
        + ET.tostring(root, encoding="unicode")
        + "\n",
        encoding="utf-8",
    )
    return missing


def compile_qm(ts: Path) -> Path:
    qm = ts.with_suffix(".qm")
    subprocess.run(
        [str(TOOLS / "pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True
    )
    return qm


def missing_translations(ts: Path) -> list[str]:
    """Strings of the current code without a finished translation in ``ts``."""
    known = translations(ts)
    return [m.findtext("source", "") for m in wanted(ts) if m.findtext("source", "") not in known]


def main(argv: list[str]) -> int:
    status = 0
    for ts in sorted([*I18N.glob("tidings_*.ts"), *I18N.glob("plurals_*.ts")]):
        if "--check" in argv:
            missing = missing_translations(ts)
        else:
            missing = update(ts, ts.stem.split("_", 1)[1])
            compile_qm(ts)
        for source in missing:
            print(f"{ts.name}: untranslated: {source!r}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
