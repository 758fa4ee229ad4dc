"""`make run`: print the demo logins, then serve the site on http://127.0.0.1:5000."""

from marketplace import create_app
from marketplace.demo.data import DEMO_PASSWORD, demo_logins


def main() -> None:
    app = create_app()
    print(f"\nHaat is starting at http://127.0.0.1:5000\n\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for role, login, name in demo_logins():
        print(f"  {role:<10} {login:<28} {name}")
    print()
    app.run(host="127.0.0.1", port=5000, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
