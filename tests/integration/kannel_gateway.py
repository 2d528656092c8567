"""A real Kannel SMS gateway on loopback for the SMS tests: bearerbox with a fake
SMSC, smsbox with its sendsms interface, and Kannel's own fakesmsc as the phones.

usage: python3 kannel_gateway.py FOLDER SENDSMS_PORT PARCOURS_URL USER PASSWORD DENIED_PREFIX
  Writes FOLDER/kannel.conf (sendsms-user USER/PASSWORD on SENDSMS_PORT; incoming
  messages relayed to PARCOURS_URL/sms/mo with USER:PASSWORD in HTTP Basic; numbers
  starting with DENIED_PREFIX not routable, so Kannel refuses them and reports them
  failed), starts the three processes and prints READY once smsbox answers.
Each message fakesmsc receives is written to FOLDER/N.json: {from, to, coding, text}.
Commands on stdin, one a line:
  MO <from> <to> <text>   a phone sends <text> (fakesmsc is restarted with it)
End of stdin stops everything (the test's drop closes it).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

folder, sendsms_port, parcours_url, user, password, denied = sys.argv[1:7]
os.makedirs(folder, exist_ok=True)
BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


admin_port, box_port, smsc_port = free_port(), free_port(), free_port()
mo_url = parcours_url.replace("://", "://%s:%s@" % (user, password), 1)
conf = os.path.join(folder, "kannel.conf")
with open(conf, "w") as f:
    f.write(f"""group = core
admin-port = {admin_port}
admin-password = test-admin
admin-interface = 127.0.0.1
smsbox-port = {box_port}
smsbox-interface = 127.0.0.1
log-file = "{folder}/bearerbox.log"
log-level = 0
access-log = "{folder}/access.log"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = {smsc_port}
connect-allow-ip = 127.0.0.1
denied-prefix = "{denied}"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box_port}
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{folder}/smsbox.log"
log-level = 0

group = sendsms-user
username = {user}
password = {password}
max-messages = 3
concatenation = true

group = sms-service
keyword = default
get-url = "{mo_url}/sms/mo?from=%p&text=%a"
max-messages = 0
catch-all = true
""")

children = []


def start(args, **kw):
    p = subprocess.Popen(args, **kw)
    children.append(p)
    return p


def stop_all():
    for p in reversed(children):
        if p.poll() is None:
            p.terminate()
    for p in children:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


def fail(what):
    print("FAILED " + what, flush=True)
    stop_all()
    sys.exit(1)


out = open(os.path.join(folder, "kannel.out"), "w")
start([BEARERBOX, "-v", "1", conf], stdout=out, stderr=subprocess.STDOUT)
if not wait_port(box_port) or not wait_port(smsc_port):
    fail("bearerbox did not start (see bearerbox.log)")
start([SMSBOX, "-v", "1", conf], stdout=out, stderr=subprocess.STDOUT)
if not wait_port(int(sendsms_port)):
    fail("smsbox did not start (see smsbox.log)")

received = {"n": 0}
lock = threading.Lock()


def decode(coding, data):
    if coding == "text":
        return data
    # url-encoded octets, "+" for the byte 0x20
    raw = urllib.parse.unquote_to_bytes(data.replace("+", "%20"))
    if coding == "ucs-2":
        return raw.decode("utf-16-be", errors="replace")
    return raw.decode("utf-8", errors="replace")


def read_phones(proc):
    # "... Got message 1: <from to coding data>"
    for line in proc.stdout:
        if "Got message" not in line or "<" not in line:
            continue
        body = line[line.index("<") + 1 : line.rindex(">")]
        parts = body.split(" ", 3)
        if len(parts) < 4:
            continue
        sender, to, coding, data = parts
        with lock:
            received["n"] += 1
            path = os.path.join(folder, "%d.json" % received["n"])
            with open(path + ".tmp", "w") as f:
                json.dump({"from": sender, "to": to, "coding": coding, "text": decode(coding, data)}, f)
            os.replace(path + ".tmp", path)


phones = {"proc": None}


def start_phones(messages):
    old = phones["proc"]
    if old is not None and old.poll() is None:
        old.terminate()
        old.wait(timeout=5)
    args = [FAKESMSC, "-H", "127.0.0.1", "-r", str(smsc_port), "-i", "0.1", "-m", str(len(messages))]
    args += messages or ["0 0 text nothing"]
    proc = start(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    phones["proc"] = proc
    threading.Thread(target=read_phones, args=(proc,), daemon=True).start()


start_phones([])
time.sleep(0.5)
print("READY", flush=True)
try:
    for command in sys.stdin:
        words = command.strip().split(" ", 3)
        if len(words) == 4 and words[0] == "MO":
            start_phones(["%s %s text %s" % (words[1], words[2], words[3])])
            print("OK", flush=True)
finally:
    stop_all()
