"""A local SMTP sink for outbound delivery tests, on aiosmtpd (an independent SMTP server).

Arguments: one JSON object on the command line:
  listen:  [["127.0.0.1", 2525], ...]  addresses to listen on (one controller each)
  log:     path of a JSON-lines file; one line per received message
  rules:   path of a JSON file read at every RCPT, so a test can change replies while it runs:
           [{"match": "substring of the recipient", "replies": ["451 4.7.1 later", "250 OK"]}]
           the n-th RCPT of a matching address gets replies[n] (the last one repeats);
           an optional "peer" limits a rule to clients connecting from that address
  tls:     optional {"cert": path, "key": path}: offer STARTTLS
  ready:   printed on stdout once every controller listens
Each received message: peer address, HELO, TLS, envelope, options, and the data in base64.
"""

import asyncio
import base64
import json
import ssl
import sys

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP
except ImportError:
    # Debian installs python3-aiosmtpd for the system Python; a pyenv python3 does not see it.
    sys.path.append("/usr/lib/python3/dist-packages")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, log_path, rules_path):
        self.log_path = log_path
        self.rules_path = rules_path
        self.counts = {}

    def rules(self):
        try:
            with open(self.rules_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for rule in self.rules():
            if rule["match"] in address and rule.get("peer", session.peer[0]) == session.peer[0]:
                key = (rule["match"], address)
                n = self.counts.get(key, 0)
                self.counts[key] = n + 1
                replies = rule["replies"]
                answer = replies[min(n, len(replies) - 1)]
                if not answer.startswith("2"):
                    return answer
                break
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "peer": session.peer[0],
            "helo": session.host_name,
            "tls": session.ssl is not None,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "data": base64.b64encode(envelope.original_content or envelope.content).decode(),
        }
        with open(self.log_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 OK: stored"


class SinkController(Controller):
    def __init__(self, handler, tls_context, **kwargs):
        self.tls = tls_context
        super().__init__(handler, **kwargs)

    def factory(self):
        return SMTP(self.handler, tls_context=self.tls, require_starttls=False, enable_SMTPUTF8=True, decode_data=False, ident="sink")


def main():
    options = json.loads(sys.argv[1])
    handler = Sink(options["log"], options["rules"])
    context = None
    if options.get("tls"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(options["tls"]["cert"], options["tls"]["key"])
    controllers = []
    for host, port in options["listen"]:
        controller = SinkController(handler, context, hostname=host, port=port)
        controller.start()
        controllers.append(controller)
    print("ready", flush=True)
    try:
        sys.stdin.read()  # runs until the test closes stdin
    finally:
        for controller in controllers:
            controller.stop()


if __name__ == "__main__":
    main()
