"""localstripe (a stand-in for the Stripe API, for development and tests) bound to 127.0.0.1.

Out of the box localstripe listens on every interface (`::`) and pickles its state to /tmp/localstripe.pickle
on every change. Here it listens on loopback only, on the port asked for (0 = any free port, printed on the
first line of stdout), and keeps its state in the file given, or in memory only.

    python -m marketplace.payments.localstripe_server --port 0 [--state instance/localstripe.pickle]

`LocalStripe` starts it as a child process and registers webhooks with it.
"""

import argparse
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path


def _keep_state_in(path: Path | None) -> None:
    from localstripe import resources

    def load(store):
        if path and path.exists():
            with path.open("rb") as fh:
                store.clear()
                store.update(pickle.load(fh))

    def dump(store):
        if path:
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                pickle.dump(dict(store), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump


def _exit_with(parent: int) -> None:
    """Stop when the process that started us is gone (killed test runs leave no stray servers)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def serve(port: int, state: Path | None, parent: int | None = None) -> None:
    if parent:
        _exit_with(parent)
    _keep_state_in(state)
    from aiohttp import web
    from localstripe import resources, server

    resources.store.try_load_from_disk()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)  # accept connections as soon as the port is announced
    print(sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


class LocalStripe:
    """A localstripe child process on a free loopback port. Use as a context manager, or start() / stop()."""

    def __init__(self, state: Path | None = None, log: Path | None = None):
        self.state, self.log = state, log
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "LocalStripe":
        args = [sys.executable, "-m", "marketplace.payments.localstripe_server", "--port", "0",
                "--parent", str(os.getpid())]
        if self.state:
            args += ["--state", str(self.state)]
        stderr = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr,
                                        cwd=Path(__file__).resolve().parents[2])
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError("localstripe did not start")
        self.url = f"http://127.0.0.1:{int(line)}"
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.process and self.process.stdout:
            self.process.stdout.close()

    def register_webhook(self, url: str, secret: str, name: str = "haat") -> None:
        """localstripe signs each event with `secret` and posts it to `url` about a second later."""
        data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
        with urllib.request.urlopen(f"{self.url}/_config/webhooks/{name}", data=data, timeout=10) as response:
            response.read()

    def __enter__(self) -> "LocalStripe":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state", type=Path, help="pickle file for localstripe's objects (default: memory only)")
    parser.add_argument("--parent", type=int, help="exit when this process ends")
    args = parser.parse_args()
    serve(args.port, args.state, args.parent)


if __name__ == "__main__":
    main()
