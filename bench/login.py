"""Login timing with and without an account: a wrong password for a real account, a name with no account,
and a malformed name, all with the production hash (scrypt); and one-time-code requests for a name with and
without an account. The medians should match (the dummy hash); the ratio is printed.

    .venv/bin/python bench/login.py [--rounds 15]
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402
from marketplace.accounts import services as accounts  # noqa: E402
from marketplace.extensions import db, limiter  # noqa: E402


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="haat-bench-login-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.sqlite3'}",
                      "MEDIA_ROOT": str(tmp / "m"), "SEARCH_INDEX_DIR": str(tmp / "s"), "WTF_CSRF_ENABLED": True,
                      "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_FAILURES_PER_NAME": "100000 per minute",
                      "LOGIN_FAILURES_PER_IP": "100000 per minute", "LOGIN_CODE_RATE_LIMIT": "100000 per minute",
                      "LOGIN_CODES_PER_NAME": 100000})
    with app.app_context():
        db.create_all()
        accounts.create_user("Bench", "9811000001", "bench password 1")  # scrypt, as in production
    client = app.test_client()
    token = _csrf(client)
    cases = {"login: account, wrong password": ("/login", {"login": "9811000001", "password": "not it at all"}),
             "login: no such account": ("/login", {"login": "9811000002", "password": "not it at all"}),
             "login: malformed name": ("/login", {"login": "hello", "password": "not it at all"}),
             "code request: account": ("/login/code", {"login": "9811000001"}),
             "code request: no account": ("/login/code", {"login": "9811000002"})}
    times = {name: [] for name in cases}
    for _ in range(args.rounds):  # interleaved, so drift from other load hits every case alike
        for name, (url, data) in cases.items():
            start = time.perf_counter()
            client.post(url, data={**data, "csrf_token": token})
            times[name].append((time.perf_counter() - start) * 1000)
        limiter.reset()
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'case':36} {'median ms':>10} {'p90 ms':>8}")
    for name, values in times.items():
        print(f"{name:36} {medians[name]:10.1f} {sorted(values)[int(len(values) * 0.9) - 1]:8.1f}")
    base = medians["login: account, wrong password"]
    print(f"no account / account (login): {medians['login: no such account'] / base:.2f}")
    print(f"malformed / account (login): {medians['login: malformed name'] / base:.2f}")
    print(f"no account / account (code request): "
          f"{medians['code request: no account'] / medians['code request: account']:.2f}")


if __name__ == "__main__":
    main()
