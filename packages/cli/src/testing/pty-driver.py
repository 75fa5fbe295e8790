"""Runs a command in a real pseudo-terminal and presses Ctrl-C like a user would (test helper).

usage: pty-driver.py WAIT_FOR_TEXT PRESSES GAP_SECONDS TIMEOUT_SECONDS -- command...

Once WAIT_FOR_TEXT has appeared in the terminal output, writes Ctrl-C (0x03) to the terminal
PRESSES times, GAP_SECONDS apart; the terminal driver turns each into SIGINT for the foreground
process group, exactly as an interactive shell session does. Prints one JSON line: the exit code
(negative = killed by that signal), the seconds from the first Ctrl-C to the exit, and the output.
"""
import json
import os
import pty
import select
import signal
import sys
import time

wait_for = sys.argv[1].encode()
presses = int(sys.argv[2])
gap = float(sys.argv[3])
timeout = float(sys.argv[4])
command = sys.argv[6:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

output = b''
sent = 0
first_at = None
last_at = 0.0
started = time.time()
while True:
    ready, _, _ = select.select([fd], [], [], 0.05)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        output += data
    now = time.time()
    if sent < presses and wait_for in output and now - last_at >= gap:
        os.write(fd, b'\x03')
        sent += 1
        last_at = now
        first_at = first_at or now
    if now - started > timeout:
        os.kill(pid, signal.SIGKILL)
        break
_, status = os.waitpid(pid, 0)
print(json.dumps({
    'code': os.waitstatus_to_exitcode(status),
    'seconds': time.time() - (first_at or started),
    'presses': sent,
    'output': output.decode('utf8', 'replace'),
}))
