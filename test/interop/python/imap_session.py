"""Drives one or more IMAP sessions with Python's imaplib as a real client would, for
Postwarden's IMAP client tests (test/e2e/imap-clients-python.test.ts).

Input (JSON on stdin):
  host, smtp_port (for "smtp" steps),
  sessions: {name: {mode: "starttls" | "ssl" | "plain", user, password, login: bool (default true)}},
  steps: lists [session, method, *args]. A method is any imaplib.IMAP4 method called with the
  args as given (select, examine via ["select", box, true], fetch, search, store, copy, uid,
  expunge, create, rename, delete, status, noop, list, lsub, getquotaroot, logout ...), or one of:
    ["s", "append", mailbox, flags|null, date|null, message]   the message is UTF-8 text
    ["s", "literal", text]            the next command carries text (UTF-8) as a literal
    ["s", "command", NAME, *args]     imaplib's _simple_command (for LIST with selection options)
    ["s", "idle", {"during": [steps], "expect": [substrings], "timeout": seconds}]
        IDLE sent by hand (imaplib 3.11 has none): waits for "+", runs the `during` steps (other
        sessions, SMTP deliveries), reads untagged lines until every `expect` substring was seen
        (or the timeout), then DONE and the tagged reply.
    ["smtp", "send", {sender, recipients, message}]   delivery with smtplib to smtp_port
Output (JSON): per session the capabilities before and after TLS and the login reply; one result
per step: {typ, data, untagged} where data mirrors imaplib's return value (bytes as latin-1
text, literal tuples as lists) and untagged holds the untagged responses imaplib kept after the
call (then cleared), or {error}. A failing step records its error and the script goes on.
"""
import json
import imaplib
import smtplib
import socket
import ssl
import sys

args = json.load(sys.stdin)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
TIMEOUT = 30
result = {"sessions": {}, "steps": []}
sessions = {}


def out(value):
    """imaplib's return values as JSON: bytes as latin-1 text, tuples as lists."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if isinstance(value, (list, tuple)):
        return [out(item) for item in value]
    if isinstance(value, dict):
        return {key: out(item) for key, item in value.items()}
    return value


def drain_untagged(client):
    kept = {key: out(value) for key, value in client.untagged_responses.items()}
    client.untagged_responses = {}
    return kept


def connect(name, spec):
    info = {}
    mode = spec.get("mode", "ssl")
    if mode == "ssl":
        client = imaplib.IMAP4_SSL(args["host"], spec["port"], ssl_context=context, timeout=TIMEOUT)
    else:
        client = imaplib.IMAP4(args["host"], spec["port"], timeout=TIMEOUT)
    info["welcome"] = out(client.welcome)
    info["capabilities_before_tls"] = list(client.capabilities)
    if mode == "starttls":
        info["starttls"] = out(client.starttls(ssl_context=context))
    info["capabilities"] = list(client.capabilities)
    if spec.get("login", True):
        try:
            info["login"] = out(client.login(spec["user"], spec["password"]))
        except imaplib.IMAP4.error as error:
            info["login"] = ["ERROR", str(error)]
        # imaplib only reads CAPABILITY from the greeting; a real client asks again after login.
        typ, data = client.capability()
        info["capabilities_after_login"] = out(data[0]).split() if typ == "OK" and data and data[0] else []
    drain_untagged(client)
    sessions[name] = client
    result["sessions"][name] = info


def smtp_send(spec):
    client = smtplib.SMTP(args["host"], args["smtp_port"], timeout=TIMEOUT)
    try:
        client.ehlo("client.example")
        refused = client.sendmail(spec.get("sender", "sender@remote.example"), spec["recipients"], spec["message"].encode("utf-8"))
        client.quit()
        return {"sent": True, "refused": {key: [value[0], out(value[1])] for key, value in refused.items()}}
    except smtplib.SMTPException as error:
        return {"sent": False, "error": str(error)}


def idle(client, spec):
    record = {"lines": []}
    tag = client._new_tag()
    client.send(tag + b" IDLE\r\n")
    first = client.readline()
    record["continuation"] = out(first.rstrip(b"\r\n"))
    if not first.startswith(b"+"):
        record["error"] = "IDLE was not accepted"
        return record
    record["during"] = [run_step(step) for step in spec.get("during", [])]
    wanted = list(spec.get("expect", []))
    client.sock.settimeout(spec.get("timeout", TIMEOUT))
    try:
        while wanted:
            line = client.readline()
            if not line:
                record["error"] = "connection closed during IDLE"
                break
            text = out(line.rstrip(b"\r\n"))
            record["lines"].append(text)
            wanted = [want for want in wanted if want not in text]
    except socket.timeout:
        record["timed_out"] = True
    record["missing"] = wanted
    client.sock.settimeout(TIMEOUT)
    client.send(b"DONE\r\n")
    while True:
        line = client.readline()
        if not line:
            record["done"] = "closed"
            break
        text = out(line.rstrip(b"\r\n"))
        if line.startswith(tag + b" "):
            record["done"] = text[len(tag) + 1:]
            break
        record["lines"].append(text)
    return record


def run_step(step):
    session, method, params = step[0], step[1], step[2:]
    try:
        if session == "smtp":
            return smtp_send(params[0])
        if method == "connect":
            connect(session, params[0])
            return {"typ": "OK"}
        client = sessions[session]
        if method == "literal":
            client.literal = params[0].encode("utf-8")
            return {"typ": "OK"}
        if method == "idle":
            return idle(client, params[0])
        if method == "append":
            mailbox, flags, date, message = params
            typ, data = client.append(mailbox, flags, date, message.encode("utf-8"))
        elif method == "command":
            typ, data = client._simple_command(*params)
        elif method == "logout":
            typ, data = client.logout()
            return {"typ": typ, "data": out(data)}
        else:
            typ, data = getattr(client, method)(*params)
        return {"typ": typ, "data": out(data), "untagged": drain_untagged(client)}
    except (imaplib.IMAP4.error, OSError) as error:
        return {"error": f"{type(error).__name__}: {error}"}


try:
    for name, spec in args.get("sessions", {}).items():
        connect(name, spec)
    for step in args.get("steps", []):
        result["steps"].append(run_step(step))
except (imaplib.IMAP4.error, OSError) as error:
    result["error"] = f"{type(error).__name__}: {error}"
for client in sessions.values():
    try:
        if client.state != "LOGOUT":
            client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass
print(json.dumps(result))
