"""Reads mail with Python's poplib as a real client would, for Postwarden's POP3 tests.

Input (JSON on stdin): host, port, mode ("plain" | "stls" | "ssl"), optional login
{method: "user" | "plain", user, password} (poplib has no AUTH helper: PLAIN goes through
_shortcmd with an initial response), optional utf8 (send UTF8 first), and steps, each a list:
["stat"], ["list"], ["list", n], ["uidl"], ["uidl", n], ["retr", n], ["top", n, lines],
["dele", n], ["rset"], ["noop"], ["capa"], ["quit"] or ["drop"] (close without QUIT).
Output (JSON): the greeting, CAPA before and after TLS, the login reply, and one result per step;
message bodies as base64 of the lines joined with CRLF (each line ended by CRLF), with poplib's
octet count. A failing step records its error and the script goes on.
"""
import base64
import json
import poplib
import ssl
import sys

args = json.load(sys.stdin)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
result = {"steps": []}


def text(response):
    return response.decode("utf-8", errors="replace")


def lines_out(lines):
    return base64.b64encode(b"".join(line + b"\r\n" for line in lines)).decode()


try:
    if args["mode"] == "ssl":
        client = poplib.POP3_SSL(args["host"], args["port"], context=context, timeout=30)
    else:
        client = poplib.POP3(args["host"], args["port"], timeout=30)
    result["welcome"] = text(client.getwelcome())
    result["capa_plain"] = client.capa()
    if args["mode"] == "stls":
        result["stls"] = text(client.stls(context=context))
    result["capa"] = client.capa()
    if args.get("utf8"):
        result["utf8"] = text(client.utf8())
    login = args.get("login")
    if login:
        try:
            if login["method"] == "user":
                client.user(login["user"])
                result["login"] = text(client.pass_(login["password"]))
            else:
                token = base64.b64encode(("\0" + login["user"] + "\0" + login["password"]).encode()).decode()
                result["login"] = text(client._shortcmd("AUTH PLAIN " + token))
        except poplib.error_proto as error:
            result["login"] = str(error.args[0].decode() if isinstance(error.args[0], bytes) else error.args[0])
    for step in args.get("steps", []):
        name, params = step[0], step[1:]
        try:
            if name == "stat":
                out = list(client.stat())
            elif name in ("list", "uidl"):
                answer = getattr(client, name)(*params)
                if params:
                    out = text(answer)
                else:
                    out = {"response": text(answer[0]), "lines": [text(line) for line in answer[1]], "octets": answer[2]}
            elif name in ("retr", "top"):
                response, lines, octets = getattr(client, name)(*params)
                out = {"response": text(response), "body": lines_out(lines), "octets": octets}
            elif name == "capa":
                out = client.capa()
            elif name == "drop":
                client.sock.close()
                out = "dropped"
            else:
                out = text(getattr(client, name)(*params))
        except poplib.error_proto as error:
            detail = error.args[0]
            out = {"error": detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)}
        result["steps"].append(out)
except (OSError, poplib.error_proto) as error:
    result["error"] = str(error)
print(json.dumps(result))
