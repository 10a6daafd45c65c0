"""Container health checks without curl in the slim image (standard library only).

python /app/deploy/healthcheck.py http://127.0.0.1:5005/     # 2xx within 3 s, else exit 1
python /app/deploy/healthcheck.py tcp rabbitmq 5672          # TCP connect within 3 s
python /app/deploy/healthcheck.py proceso channels.consumidor_metricas  # PID 1 is it
"""

import socket
import sys
import urllib.request

TIMEOUT_S = 3.0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1].startswith(("http://", "https://")):
        with urllib.request.urlopen(argv[1], timeout=TIMEOUT_S) as resp:
            return 0 if 200 <= resp.status < 300 else 1
    if len(argv) == 4 and argv[1] == "tcp":
        with socket.create_connection((argv[2], int(argv[3])), timeout=TIMEOUT_S):
            return 0
    if len(argv) == 3 and argv[1] == "proceso":
        with open("/proc/1/cmdline", "rb") as f:
            return 0 if argv[2].encode() in f.read() else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # any failure is "unhealthy", with the reason in the check's log
        print(f"unhealthy: {exc}", file=sys.stderr)
        sys.exit(1)
