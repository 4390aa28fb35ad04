"""Runs one parity scenario through Debian's imaplib2 and prints what each step returned.

Input (stdin, JSON): {"host", "port", "user", "password", "steps": [...]}; output (stdout, JSON):
one result per recorded step, in step order. The step language is shared with the C# side
(ParityRunner.cs), so both clients run the same calls; see ParityScenarios.cs for its grammar.
"""
import json
import sys
import threading
import time

import imaplib2


def text(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def item(value):
    if isinstance(value, list):
        return {"list": [item(v) for v in value]}
    if isinstance(value, tuple):
        return [text(part) for part in value]
    return text(value)


def shape(result):
    typ, data = result
    if data is None:
        return {"type": text(typ), "data": None}
    return {"type": text(typ), "data": [item(d) for d in data]}


def run(scenario):
    M = imaplib2.IMAP4(scenario["host"], scenario["port"], timeout=30)
    side = None
    results = []
    pending = {}
    done = threading.Condition()

    def callback(cb_arg_list):
        response, cb_arg, error = cb_arg_list
        with done:
            if error is not None:
                pending[cb_arg] = {"error": error[0].__name__ if isinstance(error, tuple) else type(error).__name__}
            else:
                entry = shape(response)
                pending[cb_arg] = entry
            done.notify_all()

    try:
        for index, step in enumerate(scenario["steps"]):
            op = step["op"]
            if op == "login":
                M.login(scenario["user"], scenario["password"])
                continue
            if op == "deliver":
                if side is None:
                    side = imaplib2.IMAP4(scenario["host"], scenario["port"], timeout=30)
                    side.login(scenario["user"], scenario["password"])
                side.append(step.get("mailbox", "INBOX"), None, None, step["message"].encode("ascii"))
                continue
            if op == "wait":
                with done:
                    if not done.wait_for(lambda: all(k in pending for k in step["for"]), timeout=30):
                        raise SystemExit("callbacks did not arrive: %r" % step["for"])
                    for key in step["for"]:
                        results.append({"step": key, **pending.pop(key)})
                continue
            if op == "idling":
                # Wait until the server is idling (imaplib2 records IDLE's continuation in idle_rqb),
                # so a change made next arrives during IDLE, not before it.
                waited = 0.0
                while M.idle_rqb is None:
                    if waited > 30:
                        raise SystemExit("IDLE did not start")
                    time.sleep(0.01)
                    waited += 0.01
                continue
            if op == "static":
                results.append({"step": step["id"], **static(step)})
                continue
            if op == "state":
                results.append({"step": step["id"], "state": M.state})
                continue
            if op == "pop":
                results.append({"step": step["id"], "untagged": [[text(n), [item(d) for d in (v or [])]] for n, v in M.pop_untagged_responses()]})
                continue
            method = getattr(M, step["m"])
            args = [decode_arg(a) for a in step.get("a", [])]
            kw = {k: decode_arg(v) for k, v in step.get("kw", {}).items()}
            if step.get("cb"):
                kw["callback"] = callback
                kw["cb_arg"] = step["id"]
                method(*args, **kw)
                continue
            try:
                results.append({"step": step["id"], **shape(method(*args, **kw))})
            except M.readonly as e:
                results.append({"step": step["id"], "error": "readonly"})
            except M.abort as e:
                results.append({"step": step["id"], "error": "abort"})
            except M.error as e:
                results.append({"step": step["id"], "error": "error"})
    finally:
        for client in (side, M):
            if client is not None:
                try:
                    client.logout()
                except Exception:
                    pass
    return results


def static(step):
    """imaplib2's module functions: Time2Internaldate, Internaldate2Time, ParseFlags."""
    args = [decode_arg(a) for a in step.get("a", [])]
    if step["m"] in ("Internaldate2Time", "ParseFlags"):
        args = [a.encode("ascii") if isinstance(a, str) else a for a in args]  # they parse response bytes
    try:
        value = getattr(imaplib2, step["m"])(*args)
    except Exception as e:
        return {"error": type(e).__name__}
    if step["m"] == "Internaldate2Time":
        return {"value": None if value is None else time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.mktime(value)))}
    if step["m"] == "ParseFlags":
        return {"value": [text(f) for f in value]}
    return {"value": text(value)}


def decode_arg(value):
    # Bytes travel as {"bytes": "..."} (latin-1), so a message body stays a literal argument.
    if isinstance(value, dict) and "bytes" in value:
        return value["bytes"].encode("latin-1")
    return value


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
