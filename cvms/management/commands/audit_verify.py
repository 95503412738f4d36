"""Verify the audit trail's hash chain: `manage.py audit_verify [--head SEQ:HASH]`.

Seals what isn't sealed yet, then walks every seal. Prints one line per problem (an event altered
or deleted, seals deleted) and the chain's head, and exits 1 if there was any problem; else
prints "N events verified" and the head, and exits 0.

Keep the printed head somewhere the database's administrators can't write (a ticket, a log
shipped elsewhere) and pass it back with `--head`: deleting the newest events together with their
seals leaves no gap, and only a head recorded earlier shows it.
"""

import re
import sys

from django.core.management.base import BaseCommand, CommandError

from cvms.auditchain import Verification, audit_seal, verify

HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


def parse_head(value: str) -> tuple[int, str]:
    match = HEAD.match(value.strip())
    if not match:
        raise CommandError(f"--head must be SEQ:HASH as audit_verify printed it, not {value!r}.")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Seal the audit trail's new events, then verify its hash chain (exit 1 on any problem)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--head", help="a head printed by an earlier run (SEQ:HASH) that must still be in the chain"
        )
        parser.add_argument("--chunk-size", type=int, default=2000, help="seals read per query")

    def handle(self, *args, head=None, chunk_size=2000, **options):
        expected_head = parse_head(head) if head else None
        # Waits for a sealer already running (beat's), so that every event is sealed when the
        # walk begins.
        sealed = audit_seal(full=True, wait=True)
        if sealed:
            self.stdout.write(f"{sealed} events sealed")
        result = Verification()
        for problem in verify(result, expected_head=expected_head, chunk_size=chunk_size):
            self.stderr.write(str(problem))
        self.stdout.write(f"chain head: {result.head_seq}:{result.head_hash}")
        if result.problems:
            self.stderr.write(f"{result.problems} problems; {result.verified} events verified")
            sys.exit(1)
        self.stdout.write(f"{result.verified} events verified")
