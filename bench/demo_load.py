"""How long `flask demo load` takes against its 60-second goal, first run and second run, with the parts.

    .venv/bin/python bench/demo_load.py [--database-url URL]

Loads the whole demo into a fresh temporary SQLite database (or into the empty PostgreSQL database given,
whose tables are dropped and made again) with media in a temporary folder. Prints the time of the first
run, of a second run (which must create nothing), each against the goal, and how the first run's time
splits into password hashing, photo processing and the rest (mostly one commit per service call).
"""

import argparse
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402  (after the path is set)
from marketplace.demo.loader import load_demo, totals  # noqa: E402
from marketplace.extensions import db  # noqa: E402

GOAL_SECONDS = 60.0
PARTS = {  # label: how the profiler names the innermost function doing that work
    "password hashing (scrypt)": lambda file, func: "scrypt" in func,
    "photo renditions": lambda file, func: func == "make_renditions",
    "database commits": lambda file, func: func == "<method 'commit' of 'sqlite3.Connection' objects>"
    or ("psycopg" in file and func == "commit"),
}


def _part_seconds(profile: cProfile.Profile) -> dict[str, float]:
    """Cumulative seconds of each part in the profile."""
    stats = pstats.Stats(profile).stats
    return {label: max((row[3] for (file, _line, func), row in stats.items() if matches(file, func)), default=0.0)
            for label, matches in PARTS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": f"{tmp}/media",
                          "SEARCH_INDEX_DIR": f"{tmp}/index"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            profile = cProfile.Profile()
            first = profile.runcall(load_demo)
            second = load_demo()
            counts = totals()
            db.session.remove()
            db.drop_all()
    print(f"database: {url.split(':')[0]}; loaded: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    print(f"{'run':<28}{'seconds':>9}{'goal':>7}{'of goal':>9}")
    for label, summary in (("first run (profiled)", first), ("second run", second)):
        print(f"{label:<28}{summary.seconds:>9.1f}{GOAL_SECONDS:>7.0f}{summary.seconds / GOAL_SECONDS:>9.2f}")
    print("second run created:", dict(+second.created) or "nothing")
    print(f"\n{'part of the first run':<28}{'seconds':>9}{'share':>7}   (cProfile slows the run a little)")
    for label, seconds in _part_seconds(profile).items():
        print(f"{label:<28}{seconds:>9.1f}{seconds / first.seconds:>7.0%}")
    return 0 if not +second.created else 1


if __name__ == "__main__":
    sys.exit(main())
