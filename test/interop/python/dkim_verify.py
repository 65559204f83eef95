"""Verifies DKIM signatures and ARC chains with dkimpy (Debian's python3-dkim), an independent
checker for Postwarden's DKIM signing and ARC sealing.

Input (JSON on stdin): messages (base64 of each message's exact octets), records (an object
from DNS name, e.g. "sel._domainkey.example.com", to TXT data), arc (true to verify ARC chains).
Output (JSON): results, one per message: dkim (one entry per DKIM-Signature, top first:
{"valid": bool, "domain", "selector", "error"}) and, with arc, arc: {"cv": "pass"|"fail"|"none"|
null, "reason", "instances"}; lookups (every name asked for).
DNS lookups only see the given records: nothing leaves the machine.
"""
import base64
import json
import logging
import sys

try:
    import dkim
except ImportError:
    # Debian installs python3-dkim for the system Python; a pyenv python3 does not see it.
    sys.path.append("/usr/lib/python3/dist-packages")
    import dkim

args = json.load(sys.stdin)
records = {name.rstrip(".").lower(): data for name, data in args["records"].items()}
lookups = []


def dnsfunc(name, timeout=5):
    key = (name.decode("ascii") if isinstance(name, bytes) else name).rstrip(".").lower()
    lookups.append(key)
    data = records.get(key)
    return data.encode("ascii") if data is not None else None


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def verify(message, arc):
    result = {"dkim": []}
    signer = dkim.DKIM(message)
    count = sum(1 for name, _ in signer.headers if name.lower() == b"dkim-signature")
    for idx in range(count):
        handler = Collect()
        logger = logging.getLogger("dkim.%d" % idx)
        logger.handlers = [handler]
        logger.setLevel(logging.DEBUG)
        d = dkim.DKIM(message, logger=logger)
        entry = {"valid": False, "error": None}
        try:
            entry["valid"] = bool(d.verify(idx=idx, dnsfunc=dnsfunc))
        except dkim.DKIMException as error:
            entry["error"] = str(error)
        domain = getattr(d, "domain", None)
        selector = getattr(d, "selector", None)
        entry["domain"] = domain.decode() if domain else None
        entry["selector"] = selector.decode() if selector else None
        if not entry["valid"] and entry["error"] is None:
            entry["error"] = "; ".join(handler.messages[-3:])
        result["dkim"].append(entry)
    if arc:
        try:
            cv, results, reason = dkim.arc_verify(message, dnsfunc=dnsfunc)
            result["arc"] = {
                "cv": cv.decode() if isinstance(cv, bytes) else cv,
                "reason": reason,
                "instances": [
                    {
                        "instance": r.get("instance"),
                        "ams_valid": bool(r.get("ams-valid")),
                        "as_valid": bool(r.get("as-valid")),
                        "cv": r["cv"].decode() if isinstance(r.get("cv"), bytes) else r.get("cv"),
                    }
                    for r in results
                ],
            }
        except dkim.DKIMException as error:
            result["arc"] = {"cv": "fail", "reason": str(error), "instances": []}
    return result


print(json.dumps({
    "results": [verify(base64.b64decode(m), bool(args.get("arc"))) for m in args["messages"]],
    "lookups": lookups,
}))
