"""End to end: --web.config.file (exporter-toolkit format) on the exporter's own endpoints: HTTPS
with certificates made now by the openssl CLI, basic auth with a bcrypt hash made now, client
certificates, extra headers, and start-up errors. Run:
/usr/bin/python3 tests/e2e/test_web_config.py build/smtp_exporter"""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Exporter, binary_from_argv, curl, make_ca, make_leaf  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # still in Python 3.11, Debian 12's
    import crypt  # noqa: E402

BINARY = None
PASSWORD = "s3cret-Passw0rd"


def bcrypt(password):
    # Cost 5 keeps the test quick; the format is what htpasswd -B and exporter-toolkit's docs make.
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** 5))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class Pki:
    """A private CA, a server certificate for localhost and 127.0.0.1, a client certificate
    from the same CA, and one from another CA."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="smtp_exporter_web_")
        self.ca = make_ca(self.dir, "ca")
        self.server = make_leaf(self.dir, "server", self.ca)
        self.client = make_leaf(self.dir, "client", self.ca, sans=("DNS:scraper.example.org",), usage="clientAuth")
        other_ca = make_ca(self.dir, "other_ca")
        self.stranger = make_leaf(self.dir, "stranger", other_ca, sans=("DNS:scraper.example.org",),
                                  usage="clientAuth")

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class ExporterWithWebConfig(unittest.TestCase):
    """The exporter (no targets) with the web config web_yml(pki), written beside the certificates."""

    @staticmethod
    def web_yml(pki):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.pki = Pki()
        cls.web_config = write(os.path.join(cls.pki.dir, "web.yml"), cls.web_yml(cls.pki))
        cls.exporter = Exporter(BINARY, "", f"--web.config.file={cls.web_config}")

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
        cls.pki.remove()


class TlsAndBasicAuthTest(ExporterWithWebConfig):
    @staticmethod
    def web_yml(pki):
        # Relative paths: they are taken from the web config file's directory.
        return f"""
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  alice: {bcrypt(PASSWORD)}
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = f"https://localhost:{cls.exporter.port}"
        cls.ca = ["--cacert", cls.pki.ca[0]]

    def test_right_password_gets_the_metrics(self):
        code, status, headers, body = curl(self.url + "/metrics", *self.ca, "-u", f"alice:{PASSWORD}")
        self.assertEqual((code, status), (0, 200), body)
        self.assertIn("smtp_exporter_build_info", body)
        self.assertEqual(headers.get("x-frame-options"), "deny")
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        # By address too: the certificate names 127.0.0.1.
        code, status, _, _ = curl(f"https://127.0.0.1:{self.exporter.port}/metrics", *self.ca,
                                  "-u", f"alice:{PASSWORD}")
        self.assertEqual((code, status), (0, 200))

    def test_repeated_scrapes_on_one_connection(self):
        # curl reuses the connection for the second URL: keep-alive over TLS (num_connects 0).
        done = subprocess.run(["curl", "-sS", "--cacert", self.pki.ca[0], "-u", f"alice:{PASSWORD}",
                               "-o", os.devnull, "-o", os.devnull, "-w", "%{http_code} %{num_connects}\n",
                               self.url + "/-/healthy", self.url + "/metrics"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.stdout.split("\n"), ["200 1", "200 0", ""], done.stderr)

    def test_wrong_password_is_401(self):
        code, status, headers, body = curl(self.url + "/metrics", *self.ca, "-u", "alice:wrong")
        self.assertEqual((code, status), (0, 401))
        self.assertEqual(headers.get("www-authenticate"), 'Basic realm="smtp_exporter"')
        self.assertEqual(headers.get("x-frame-options"), "deny")  # on every response
        self.assertNotIn("smtp_exporter_build_info", body)

    def test_no_credentials_is_401(self):
        for path in ("/metrics", "/", "/target?name=x", "/-/healthy", "/probe?target=127.0.0.1:1"):
            with self.subTest(path=path):
                code, status, headers, _ = curl(self.url + path, *self.ca)
                self.assertEqual((code, status), (0, 401))
                self.assertEqual(headers.get("www-authenticate"), 'Basic realm="smtp_exporter"')

    def test_unknown_user_and_malformed_header_are_401(self):
        self.assertEqual(curl(self.url + "/metrics", *self.ca, "-u", f"bob:{PASSWORD}")[:2], (0, 401))
        self.assertEqual(curl(self.url + "/metrics", *self.ca, "-H", "Authorization: Basic %%%")[:2], (0, 401))
        self.assertEqual(curl(self.url + "/metrics", *self.ca, "-H", "Authorization: Bearer abc")[:2], (0, 401))

    def test_plain_http_gets_no_metrics(self):
        code, status, _, body = curl(f"http://127.0.0.1:{self.exporter.port}/metrics", "-u", f"alice:{PASSWORD}")
        self.assertNotEqual(code, 0)
        self.assertNotEqual(status, 200)
        self.assertNotIn("smtp_exporter_build_info", body)

    def test_the_certificate_is_the_configured_one(self):
        # Without the private CA curl cannot verify it; with it, it can (see above).
        code, status, _, _ = curl(self.url + "/metrics", "-u", f"alice:{PASSWORD}")
        self.assertEqual(code, 60)  # CURLE_PEER_FAILED_VERIFICATION
        self.assertEqual(status, 0)

    def test_credentials_never_logged(self):
        curl(self.url + "/metrics", *self.ca, "-u", f"alice:{PASSWORD}")
        curl(self.url + "/metrics", *self.ca, "-u", "alice:wrong-one")
        logs = self.exporter.logs()
        self.assertIn("web configuration loaded", logs)
        for secret in (PASSWORD, "wrong-one", base64.b64encode(f"alice:{PASSWORD}".encode()).decode()):
            self.assertNotIn(secret, logs)


class ClientCertificateTest(ExporterWithWebConfig):
    @staticmethod
    def web_yml(pki):
        return f"""
tls_server_config:
  cert_file: {pki.server[0]}
  key_file: {pki.server[1]}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = f"https://127.0.0.1:{cls.exporter.port}/metrics"

    def test_client_with_certificate_gets_the_metrics(self):
        code, status, _, body = curl(self.url, "--cacert", self.pki.ca[0],
                                     "--cert", self.pki.client[0], "--key", self.pki.client[1])
        self.assertEqual((code, status), (0, 200), body)
        self.assertIn("smtp_exporter_build_info", body)

    def test_client_without_certificate_fails_the_handshake(self):
        code, status, _, body = curl(self.url, "--cacert", self.pki.ca[0])
        self.assertNotEqual(code, 0)
        self.assertEqual(status, 0)
        self.assertEqual(body, "")

    def test_certificate_from_another_ca_fails_the_handshake(self):
        code, status, _, _ = curl(self.url, "--cacert", self.pki.ca[0],
                                  "--cert", self.pki.stranger[0], "--key", self.pki.stranger[1])
        self.assertNotEqual(code, 0)
        self.assertEqual(status, 0)

    def test_min_version_is_enforced(self):
        code, status, _, _ = curl(self.url, "--cacert", self.pki.ca[0], "--cert", self.pki.client[0],
                                  "--key", self.pki.client[1], "--tlsv1.2", "--tls-max", "1.2")
        self.assertNotEqual(code, 0)
        self.assertEqual(status, 0)


class BadWebConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="smtp_exporter_web_")
        self.config = write(os.path.join(self.dir, "smtp_exporter.yml"), "")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, web_config):
        return subprocess.run([BINARY, f"--config.file={self.config}", f"--web.config.file={web_config}",
                               "--web.listen-address=127.0.0.1:0"],
                              capture_output=True, text=True, timeout=30)

    def test_unknown_key(self):
        web = write(os.path.join(self.dir, "web.yml"), "tls_server_config:\n  certfile: server.crt\n")
        done = self.start(web)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f'{web}:2:3: tls_server_config: unknown key "certfile"', done.stderr)

    def test_missing_certificate_file(self):
        web = write(os.path.join(self.dir, "web.yml"),
                    "tls_server_config:\n  cert_file: nowhere.crt\n  key_file: nowhere.key\n")
        done = self.start(web)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f'{web}:2:14: tls_server_config.cert_file: cannot read "{self.dir}/nowhere.crt": '
                      "No such file or directory", done.stderr)

    def test_plain_password_instead_of_hash_is_not_echoed(self):
        web = write(os.path.join(self.dir, "web.yml"), "basic_auth_users:\n  alice: hunter2\n")
        done = self.start(web)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f"{web}:2:10: basic_auth_users.alice: expected a bcrypt hash", done.stderr)
        self.assertNotIn("hunter2", done.stderr)

    def test_missing_web_config_file(self):
        web = os.path.join(self.dir, "absent.yml")
        done = self.start(web)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f"{web}: cannot read file: No such file or directory", done.stderr)


if __name__ == "__main__":
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
