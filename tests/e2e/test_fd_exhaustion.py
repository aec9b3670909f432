"""When the exporter runs out of file descriptors, the probes it cannot make are its own failure:
counted in smtp_exporter_probe_errors_total, never as the target's connect_refused."""
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SmtpSink, free_port, http_get, parse_samples, value, wait_for_port, wait_until  # noqa: E402

BINARY = None


class FdExhaustionTest(unittest.TestCase):
    def test_out_of_descriptors_is_not_blamed_on_the_target(self):
        sink = SmtpSink()
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "smtp_exporter.yml")
            with open(config, "w") as f:
                f.write(f"global: {{interval: 1s}}\nmodules:\n  smtp_ehlo: {{ehlo_name: probe.example.org}}\n"
                        f"targets:\n  - {{name: sink, address: '127.0.0.1:{sink.port}'}}\n")
            log = open(os.path.join(d, "log"), "w+")
            proc = subprocess.Popen(["prlimit", "--nofile=48:48", BINARY, f"--config.file={config}",
                                     f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
            idle = []
            try:
                wait_for_port(port)
                url = f"http://127.0.0.1:{port}/metrics"
                wait_until(lambda: value(parse_samples(http_get(url)[1]), "smtp_probe_events_total",
                                         target="sink", event="5510") >= 1, timeout=10, what="a first probe")
                for _ in range(60):  # more than the exporter has descriptors for
                    s = socket.create_connection(("127.0.0.1", port), timeout=2)
                    idle.append(s)
                time.sleep(3)  # several probe intervals without a descriptor to spare
                for s in idle:
                    s.close()
                idle.clear()

                def recovered():
                    status, body, _ = http_get(url, timeout=5)
                    return status == 200 and value(parse_samples(body), "smtp_exporter_probe_errors_total") > 0
                wait_until(recovered, timeout=20, what="the exporter to count its own probe errors")
                s = parse_samples(http_get(url)[1])
                self.assertEqual(value(s, "smtp_probe_failures_total", target="sink", reason="connect_refused"), 0)
                self.assertEqual(value(s, "smtp_probe_events_total", target="sink", event="5509"), 0)
                log.seek(0)
                self.assertIn("cannot probe", log.read())
            finally:
                for s in idle:
                    s.close()
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()
                sink.stop()


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
