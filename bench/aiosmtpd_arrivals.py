"""A handler for Debian's aiosmtpd (`python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c aiosmtpd_arrivals.Arrivals`)
that accepts every message and prints, per message, one JSON line of when each step arrived:
the connection, EHLO, MAIL FROM, the last RCPT TO, and the end of DATA (the message accepted), in
epoch milliseconds (time.time(), comparable with node's performance.timeOrigin + now()), and the
first `BenchLatency...` word of the message (the bench's token). Used by bench/aiosmtpd-sink.ts."""
import json
import re
import sys
import time

from aiosmtpd import smtp

TOKEN = re.compile(rb"BenchLatency[A-Za-z0-9]+")

# aiosmtpd has no hook for a new connection: its session object is made when one arrives.
_session_init = smtp.Session.__init__


def _stamped_init(self, *args, **kwargs):
    _session_init(self, *args, **kwargs)
    self.bench_times = {"connected": time.time() * 1000}
    self.bench_messages = 0


smtp.Session.__init__ = _stamped_init


class Arrivals:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.bench_times["ehlo"] = time.time() * 1000
        session.host_name = hostname
        return responses

    async def handle_RSET(self, server, session, envelope):
        session.bench_times["rset"] = time.time() * 1000
        return "250 OK"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        session.bench_times["mail"] = time.time() * 1000
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        session.bench_times["rcpt"] = time.time() * 1000
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        accepted = time.time() * 1000
        session.bench_messages += 1
        found = TOKEN.search(envelope.content or b"")
        line = dict(session.bench_times)
        line.update(
            accepted=accepted,
            token=found.group(0).decode() if found else None,
            message=session.bench_messages,
            bytes=len(envelope.content or b""),
        )
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        return "250 Message accepted for delivery"
