#!/usr/bin/python3
"""imaplib2 reference column of the ImapPS benchmarks (see ../shared/BENCHMARKS.md).

Run by bench/ImapPS.Bench with Debian's python3-imaplib2 (imaplib2 3.05). Each workload connects,
logs in and selects outside the timing, runs --runs times and prints one JSON line:
{"workload": ..., "seconds": [...], "count": n}.
"""
import argparse
import json
import os
import sys
import time

import imaplib2


def connect(args, select=True):
    m = imaplib2.IMAP4(args.host, args.port)
    m.login(args.user, args.password)
    if select:
        typ, _ = m.select('INBOX')
        if typ != 'OK':
            raise SystemExit('SELECT failed')
    return m


def tokens(pieces):
    """Tokenise imaplib2's FETCH data (bytes, or (prefix, literal) tuples) into nested lists."""
    stack = [[]]
    for piece in pieces:
        if isinstance(piece, tuple):
            text, literal = piece
        else:
            text, literal = piece, None
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c == 32 or c == 13 or c == 10:
                i += 1
            elif c == 40:  # (
                stack.append([])
                i += 1
            elif c == 41:  # )
                done = stack.pop()
                stack[-1].append(done)
                i += 1
            elif c == 34:  # "
                j = i + 1
                out = bytearray()
                while text[j] != 34:
                    if text[j] == 92:
                        j += 1
                    out.append(text[j])
                    j += 1
                stack[-1].append(bytes(out))
                i = j + 1
            elif c == 123:  # {n} announces the literal carried in the tuple
                j = text.index(b'}', i)
                stack[-1].append(literal)
                i = j + 1
            else:
                j = i
                while j < n and text[j] not in (32, 40, 41, 13, 10):
                    j += 1
                atom = text[i:j]
                stack[-1].append(None if atom == b'NIL' else atom)
                i = j
    return stack[0]


def addresses(value):
    if not value:
        return None
    return [(a[0], a[2], a[3]) for a in value]


def w1(args):
    m = connect(args)
    times = []
    count = 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        typ, data = m.uid('FETCH', '1:*', '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)')
        if typ != 'OK':
            raise SystemExit('FETCH failed')
        # imaplib2 splits a response at each literal: a tuple (text up to the literal, literal),
        # then the text that follows. Group the pieces of one response before tokenising.
        summaries = []
        group = []
        for piece in data:
            if piece is None:
                continue
            group.append(piece)
            if isinstance(piece, bytes) and piece.rstrip().endswith(b')'):
                parsed = tokens(group)
                group = []
                # parsed: [seq, b'FETCH', [items...]]
                items = parsed[-1]
                d = {}
                for k in range(0, len(items) - 1, 2):
                    d[items[k]] = items[k + 1]
                env = d.get(b'ENVELOPE')
                summaries.append({
                    'uid': int(d[b'UID']), 'flags': d.get(b'FLAGS'), 'internaldate': d.get(b'INTERNALDATE'),
                    'size': int(d[b'RFC822.SIZE']),
                    'date': env[0], 'subject': env[1], 'from': addresses(env[2]), 'to': addresses(env[5]),
                    'cc': addresses(env[6]), 'in_reply_to': env[8], 'message_id': env[9],
                })
        times.append(time.perf_counter() - t0)
        count = len(summaries)
    m.logout()
    return times, count


def w3(args):
    m = connect(args)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for uid in range(1, args.count + 1):
            typ, _ = m.uid('FETCH', str(uid), '(FLAGS)')
            if typ != 'OK':
                raise SystemExit('FETCH failed')
        times.append(time.perf_counter() - t0)
    m.logout()
    return times, args.count


def w4(args):
    files = sorted(os.listdir(args.messages))
    messages = []
    for name in files:
        with open(os.path.join(args.messages, name), 'rb') as f:
            messages.append(f.read())
    m = connect(args, select=False)
    times = []
    for run in range(args.runs):
        mailbox = '%s%d' % (args.mailbox_prefix, run)
        m.create(mailbox)
        t0 = time.perf_counter()
        for msg in messages:
            typ, _ = m.append(mailbox, None, None, msg)
            if typ != 'OK':
                raise SystemExit('APPEND failed')
        times.append(time.perf_counter() - t0)
        m.delete(mailbox)
    m.logout()
    return times, len(messages)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('workload', choices=['w1', 'w3', 'w4'])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--user', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--count', type=int, default=1000)
    p.add_argument('--messages')
    p.add_argument('--mailbox-prefix', default='W4py')
    args = p.parse_args()
    times, count = {'w1': w1, 'w3': w3, 'w4': w4}[args.workload](args)
    print(json.dumps({'workload': args.workload, 'seconds': times, 'count': count}))


if __name__ == '__main__':
    sys.exit(main())
