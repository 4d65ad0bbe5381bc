#!/usr/bin/python3
"""A real SMTP server for guestd's integration tests (Debian's python3-aiosmtpd; run with /usr/bin/python3).

Every accepted message is saved as <dir>/<stamp>.eml (the DATA exactly as received) beside <stamp>.json (the
envelope: {"mail_from": ..., "rcpt_tos": [...]}), each written to a temporary name and renamed into place, so a
reader never sees half a message. Prints "smtp sink listening on 127.0.0.1:<port>" once it accepts connections
and stops cleanly on SIGTERM or SIGINT. --port 0 picks a free port; pass the printed one to come back on it.
"""

import argparse
import asyncio
import json
import os
import signal
import time

from aiosmtpd.smtp import SMTP


class SaveToDirectory:
    """aiosmtpd handler: writes each message and its envelope to the directory."""

    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    def _write(self, name, data):
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(temporary, os.path.join(self.directory, name))

    async def handle_DATA(self, server, session, envelope):
        # Name files by arrival so they sort in order, across restarts of the sink too.
        self.count += 1
        stem = "%020d-%06d" % (time.time_ns(), self.count)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        # The envelope first: a test that sees the .eml may read its .json at once.
        self._write(stem + ".json", json.dumps(meta).encode("utf-8"))
        self._write(stem + ".eml", content)
        return "250 Message accepted for delivery"


async def serve(host, port, directory):
    loop = asyncio.get_running_loop()
    handler = SaveToDirectory(directory)
    # A fixed hostname spares aiosmtpd a slow reverse lookup; asyncio sets SO_REUSEADDR, so a restart on the
    # same port works even while old connections linger in TIME_WAIT.
    server = await loop.create_server(lambda: SMTP(handler, hostname="smtp-sink.test"), host=host, port=port)
    bound = server.sockets[0].getsockname()[1]
    print("smtp sink listening on %s:%d" % (host, bound), flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True, help="where messages are saved")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args.host, args.port, args.dir))


if __name__ == "__main__":
    main()
