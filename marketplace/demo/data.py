"""Demo users: one of each role. The demo sellers live in demo/sellers.py."""

DEMO_PASSWORD = "haat-demo-2026"

# (role, login, name, official level, scope: (district, block) English names)
DEMO_USERS = [
    ("admin", "admin@haat.example", "Haat Admin", None, None),
    ("customer", "+919811000001", "Ananya Sharma", None, None),
    ("buyer", "dm-saharsa@haat.example", "District Administration, Saharsa", None, None),
    ("official", "bpm-kahara@haat.example", "Rakesh Kumar (BPM, Kahara)", "block", ("Saharsa", "Kahara")),
    ("official", "dpm-saharsa@haat.example", "Sunita Devi (DPM, Saharsa)", "district", ("Saharsa", None)),
    ("official", "spm-bihar@haat.example", "Jeevika State Office", "state", ("Saharsa", None)),
    ("operator", "+919811000002", "Manoj Paswan (packaging house, Kahara)", None, None),
]


def demo_logins() -> list[tuple[str, str, str]]:
    return [(role, login, name) for role, login, name, *_ in DEMO_USERS]
