#!/usr/bin/env python3
"""SMTP test server for the fidelity benchmark: greets at once, answers EHLO exactly
DELAY seconds after the EHLO line was read (asyncio sleep to 10 ms before, then a busy wait on
perf_counter, so the server's own timer slack stays out of the figure), answers QUIT with 221.

usage: slow_ehlo_server.py PORT DELAY_SECONDS [LOG_FILE]
LOG_FILE gets, per EHLO, the client's EHLO name and the delay the server actually applied (seconds).
Loopback only. Meant for one probe in flight at a time (the busy wait blocks the loop).
"""
import asyncio
import sys
import time


def main() -> None:
    port = int(sys.argv[1])
    delay = float(sys.argv[2])
    log = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else None

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 fidelity.example ESMTP bench\r\n")
            await writer.drain()
            while True:
                line = await reader.readline()
                t_read = time.perf_counter()
                if not line:
                    break
                cmd = line.strip().upper()
                if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                    if delay > 0.010:
                        await asyncio.sleep(delay - 0.010)
                    while time.perf_counter() - t_read < delay:
                        pass
                    writer.write(b"250-fidelity.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                    if log:
                        name = cmd.split(b" ", 1)[1].decode(errors="replace") if b" " in cmd else "-"
                        log.write(f"{name} {time.perf_counter() - t_read:.7f}\n")
                    await writer.drain()
                elif cmd.startswith(b"QUIT"):
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"502 no\r\n")
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
