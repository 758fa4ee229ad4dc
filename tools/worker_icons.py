"""Writes the workers' category icons (static/workers/icons/*.svg): tiny line drawings, one colour, no text.
Run once after changing a shape: `python tools/worker_icons.py`."""

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "workers" / "icons"
HEAD = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="48" height="48" fill="none" '
        'stroke="#9c3d12" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">')

SHAPES = {
    "labourer": '<circle cx="12" cy="5" r="2.5"/><path d="M12 8v7M7 11h10M9 22l3-7 3 7"/>',
    "mason": '<rect x="3" y="13" width="8" height="4"/><rect x="13" y="13" width="8" height="4"/>'
             '<rect x="8" y="17" width="8" height="4"/><path d="M14 3l6 6-3 1-4-4z"/>',
    "plumber": '<path d="M3 8h8v4h6v9"/><path d="M3 5v6M17 21h4"/><circle cx="11" cy="10" r="1"/>',
    "electrician": '<path d="M13 2L5 13h6l-1 9 8-12h-6z"/>',
    "carpenter": '<path d="M3 20l10-10M13 4l7 7-3 3-7-7z"/><path d="M3 20h6"/>',
    "painter": ('<rect x="4" y="3" width="14" height="6" rx="1"/><path d="M18 6h2v5h-8v3"/>'
                '<rect x="10.5" y="14" width="3" height="7"/>'),
    "welder": '<path d="M4 20l8-8"/><path d="M14 10l2-2M17 4l1 3 3 1-3 1-1 3-1-3-3-1 3-1z"/>',
    "tile": '<rect x="3" y="3" width="8" height="8"/><rect x="13" y="3" width="8" height="8"/>'
            '<rect x="3" y="13" width="8" height="8"/><rect x="13" y="13" width="8" height="8"/>',
    "helper": '<path d="M3 19h18M5 19l3-9h8l3 9"/><path d="M9 10V6h6v4"/>',
    "tailor": '<circle cx="6" cy="18" r="3"/><circle cx="18" cy="18" r="3"/><path d="M8 16L19 3M16 16L5 3"/>',
    "beautician": '<path d="M9 21V11h6v10z"/><path d="M10 11V6l4-3v8"/>',
    "barber": '<circle cx="6" cy="6" r="3"/><circle cx="6" cy="18" r="3"/><path d="M8.5 7.5L20 18M8.5 16.5L20 6"/>',
    "cook": '<path d="M4 11h16v3a6 6 0 0 1-6 6h-4a6 6 0 0 1-6-6z"/><path d="M9 7c0-2 2-2 2-4M13 7c0-2 2-2 2-4"/>',
    "domestic": '<path d="M3 11l9-8 9 8"/><path d="M5 10v11h14V10"/><path d="M10 21v-6h4v6"/>',
    "cleaning": '<path d="M14 3l-4 10"/><path d="M6 13h8l2 8H4z"/><path d="M8 17v4M12 17v4"/>',
    "caregiver": ('<path d="M12 21s-8-5-8-11a4 4 0 0 1 8-1 4 4 0 0 1 8 1c0 6-8 11-8 11z"/>'
                  '<path d="M12 10v5M9.5 12.5h5"/>'),
    "driver": '<circle cx="12" cy="12" r="9"/><circle cx="12" cy="12" r="2"/><path d="M3 12h7M14 12h7M12 14v7"/>',
    "bike": '<circle cx="5" cy="17" r="3.5"/><circle cx="19" cy="17" r="3.5"/><path d="M5 17l5-7h5l4 7M9 6h3l3 4"/>',
    "snowflake": '<path d="M12 2v20M3.5 7l17 10M3.5 17l17-10"/><path d="M9 4l3 2 3-2M9 20l3-2 3 2"/>',
    "mobile": '<rect x="7" y="2" width="10" height="20" rx="2"/><path d="M11 18h2"/>',
    "computer": '<rect x="3" y="4" width="18" height="12" rx="1"/><path d="M8 20h8M12 16v4"/>',
    "tutor": '<path d="M2 8l10-5 10 5-10 5z"/><path d="M6 10v5c3 3 9 3 12 0v-5"/>',
    "camera": ('<rect x="3" y="7" width="18" height="13" rx="2"/><circle cx="12" cy="13.5" r="3.5"/>'
               '<path d="M8 7l2-3h4l2 3"/>'),
    "tent": '<path d="M12 3L2 21h20z"/><path d="M12 3v18M9 21l3-6 3 6"/>',
    "gardener": '<path d="M12 21v-9"/><path d="M12 12c0-4 3-7 8-7 0 5-3 7-8 7zM12 14c0-3-2-5-7-5 0 4 3 5 7 5z"/>',
    "farm": '<path d="M12 22V8"/><path d="M12 8c-2-1-3-3-3-5 2 0 3 2 3 5zM12 8c2-1 3-3 3-5-2 0-3 2-3 5z"/>'
            '<path d="M12 14c-2-1-4-3-4-5M12 14c2-1 4-3 4-5M12 19c-2-1-4-3-4-5M12 19c2-1 4-3 4-5"/>',
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, body in SHAPES.items():
        (OUT / f"{name}.svg").write_text(f"{HEAD}{body}</svg>\n", encoding="utf-8")


if __name__ == "__main__":
    main()
