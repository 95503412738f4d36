"""An SMTP server for the benchmarks that accepts every message and counts what each address got,
in a process of its own (so that a client in the bench's process doesn't share its CPU time):

    python bench/smtp_sink.py PORT STATUS_FILE

Every 0.2 s it writes to STATUS_FILE (JSON) how many messages it has taken, and, per domain of
their recipients, how many and when the first and the last came; on SIGTERM it writes, as well,
how many each address received, and ends. aiosmtpd is pinned in requirements-dev.txt.
"""

import json
import os
import signal
import sys
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller


class Counting:
    def __init__(self):
        self.received: Counter = Counter()
        self.domains: dict[str, dict] = {}
        self.total = 0

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        for address in envelope.rcpt_tos:
            address = address.lower()
            self.received[address] += 1
            domain = self.domains.setdefault(address.rpartition("@")[2], {"count": 0, "first": now})
            domain["count"] += 1
            domain["last"] = now
        self.total += 1
        return "250 Message accepted for delivery"

    def status(self, *, with_addresses: bool = False) -> dict:
        status = {"total": self.total, "domains": {name: dict(d) for name, d in list(self.domains.items())}}
        if with_addresses:
            status["received"] = dict(self.received)
        return status


def write(path: str, status: dict) -> None:
    part = f"{path}.part"
    with open(part, "w") as out:
        json.dump(status, out)
    os.replace(part, path)


def main() -> int:
    port, path = int(sys.argv[1]), sys.argv[2]
    sink = Counting()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.2):
        write(path, sink.status())
    controller.stop()
    write(path, sink.status(with_addresses=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
