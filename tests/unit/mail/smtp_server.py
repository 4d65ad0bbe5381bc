"""A real SMTP server for the SMTP transport's tests (aiosmtpd, Debian's python3-aiosmtpd).

Usage: /usr/bin/python3 smtp_server.py SPOOL_DIR [USER:PASSWORD]

Listens on a free loopback port and prints it on the first line of stdout once it accepts connections. Each
accepted message is saved as SPOOL_DIR/<n>.eml (the DATA exactly as received, after dot-unstuffing) with
SPOOL_DIR/<n>.json holding the envelope. Recipients at rejected.example get a 550, at busy.example a 451. With
USER:PASSWORD, AUTH (PLAIN, LOGIN) is offered without TLS and required. Exits on SIGTERM.
"""

import json
import os
import signal
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Saver:
    def __init__(self, spool):
        self.spool = spool
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@rejected.example"):
            return "550 5.1.1 no such user here"
        if address.endswith("@busy.example"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.spool, str(self.count))
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    # Block SIGTERM in every thread (the server's thread inherits the mask) and wait for it below.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    spool = sys.argv[1]
    credentials = sys.argv[2] if len(sys.argv) > 2 else None
    os.makedirs(spool, exist_ok=True)

    options = {}
    if credentials:
        user, password = credentials.split(":", 1)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() \
                and auth_data.password == password.encode()
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

        options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False}

    controller = Controller(Saver(spool), hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    print(controller.port, flush=True)

    signal.sigwait({signal.SIGTERM})
    # Every accepted message is already on disk (saved before its 250), so there is nothing to wind down.
    os._exit(0)


if __name__ == "__main__":
    main()
