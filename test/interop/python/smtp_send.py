"""Sends mail with Python's smtplib as a real client would, for Postwarden's SMTP tests.

Input (JSON on stdin): host, port, mode ("plain" | "starttls" | "ssl"), optional user/password
and mechanism ("PLAIN" | "LOGIN"), sender, recipients, message (text), mail_options,
rcpt_options (given with every RCPT).
Output (JSON): the EHLO features, per-recipient refusals, the final reply or the error.
"""
import json
import smtplib
import ssl
import sys

args = json.load(sys.stdin)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
result = {}
try:
    if args["mode"] == "ssl":
        client = smtplib.SMTP_SSL(args["host"], args["port"], context=context, timeout=30)
    else:
        client = smtplib.SMTP(args["host"], args["port"], timeout=30)
    client.ehlo("client.example")
    if args["mode"] == "starttls":
        client.starttls(context=context)
        client.ehlo("client.example")
    result["features"] = sorted(client.esmtp_features.keys())
    result["auth_offered"] = client.esmtp_features.get("auth", "")
    if args.get("user"):
        mechanism = args.get("mechanism", "PLAIN")
        client.user, client.password = args["user"], args["password"]
        method = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login}[mechanism]
        code, text = client.auth(mechanism, method, initial_response_ok=True)
        result["auth"] = [code, text.decode()]
    message = args["message"]
    body = message.encode("utf-8") if "SMTPUTF8" in args.get("mail_options", []) else message
    refused = client.sendmail(args["sender"], args["recipients"], body, mail_options=args.get("mail_options", []), rcpt_options=args.get("rcpt_options", []))
    result["refused"] = {k: [v[0], v[1].decode()] for k, v in refused.items()}
    result["sent"] = True
    client.quit()
except smtplib.SMTPRecipientsRefused as error:
    result["sent"] = False
    result["refused"] = {k: [v[0], v[1].decode()] for k, v in error.recipients.items()}
except smtplib.SMTPResponseException as error:
    result["sent"] = False
    result["error"] = [error.smtp_code, error.smtp_error.decode(errors="replace")]
except smtplib.SMTPException as error:
    result["sent"] = False
    result["error"] = [0, str(error)]
print(json.dumps(result))
