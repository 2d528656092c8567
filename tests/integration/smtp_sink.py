"""A real SMTP server on loopback for the mail tests (aiosmtpd).

usage: python3 smtp_sink.py MODE PORT FOLDER
  MODE accept      takes every message (AUTH PLAIN/LOGIN as parcours / s3cret required)
       refuse      answers 550 to every recipient
       busy-once   answers 451 to the first message, then takes them
Each message taken is written to FOLDER/N.json: envelope, authenticated login,
headers, and the text and HTML parts decoded. FOLDER/attempts counts the messages
offered (RCPT commands). Prints READY once listening.
"""

import json
import os
import sys
import time
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

mode, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(folder, exist_ok=True)
state = {"taken": 0, "attempts": 0, "busy_sent": False}


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"parcours" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, auth_data=auth_data.login)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        state["attempts"] += 1
        with open(os.path.join(folder, "attempts"), "w") as f:
            f.write(str(state["attempts"]))
        if mode == "accept" and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if mode == "refuse":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if mode == "busy-once" and not state["busy_sent"]:
            state["busy_sent"] = True
            return "451 4.3.0 Try again later"
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        state["taken"] += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "content_type": message.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        path = os.path.join(folder, f"{state['taken']}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as TEST%d" % state["taken"]


controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=port,
    authenticator=authenticator,
    auth_require_tls=False,
)
controller.start()
print("READY", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
