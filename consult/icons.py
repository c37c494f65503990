"""The icons the templates use, built into one small SVG sprite from Bootstrap Icons.

The whole icon font is ~130 KB; the sprite of the icons below is a few KB. `make vendor` runs

    python3 -m consult.icons node_modules/bootstrap-icons/icons static/vendor/icons.svg

Standard library only: it runs before the virtualenv exists. Templates draw an icon with the
`icon(name)` global, which refuses a name missing from ICONS: add it here, then `make vendor`.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SVG_NS = "http://www.w3.org/2000/svg"

ICONS = (
    "arrow-down",
    "arrow-up",
    "calendar-event",
    "chat-left-text",
    "chat-square-text",
    "envelope",
    "envelope-paper",
    "journal-text",
    "list-check",
    "lock",
    "person-circle",
    "rss",
    "upload",
)


def _symbol(source: Path, name: str) -> ET.Element:
    root = ET.parse(source).getroot()  # noqa: S314 (our own npm package's files)
    symbol = ET.Element(f"{{{SVG_NS}}}symbol", {"id": name, "viewBox": root.get("viewBox", "")})
    symbol.extend(list(root))
    return symbol


def build_sprite(icons_dir: Path, names: tuple[str, ...] = ICONS) -> bytes:
    """One <svg> holding a <symbol id="name"> per icon, for `<use href="sprite.svg#name">`."""
    ET.register_namespace("", SVG_NS)
    sprite = ET.Element(f"{{{SVG_NS}}}svg")
    for name in names:
        sprite.append(_symbol(icons_dir / f"{name}.svg", name))
    for element in sprite.iter():  # drop the source files' indentation
        element.tail = None
        if len(element):
            element.text = None
    return ET.tostring(sprite, encoding="utf-8", xml_declaration=False) + b"\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 -m consult.icons ICONS_DIR OUTPUT.svg", file=sys.stderr)
        return 2
    output = Path(argv[1])
    output.write_bytes(build_sprite(Path(argv[0])))
    print(f"{output}: {len(ICONS)} icons, {output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
