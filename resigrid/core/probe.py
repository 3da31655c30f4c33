"""`python -m resigrid.core.probe postgres`: exit 0 when the service answers.

Outside CI a missing service makes the caller skip that run; with CI=true it is an error (exit 2),
so that CI fails instead of silently testing less.
"""

import os
import socket
import sys

SERVICES = {"postgres": ("127.0.0.1", 5432), "mqtt": ("127.0.0.1", 1883)}


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    name = argv[1] if len(argv) > 1 else "postgres"
    host, port = SERVICES[name]
    if answers(host, port):
        return 0
    if os.environ.get("CI", "").lower() == "true":
        sys.stderr.write(f"CI=true and {name} does not answer at {host}:{port}: failing the run.\n")
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
