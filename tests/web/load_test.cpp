#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

#include "support/certificates.hpp"
#include "support/invalid_files.hpp"
#include "support/temp_dir.hpp"
#include "web/web_config.hpp"

namespace smtp_exporter::web {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

const std::string data_dir = SMTP_EXPORTER_TEST_DATA;

std::vector<std::string> error_texts(const WebConfigResult& result) {
  std::vector<std::string> out;
  for (const Error& error : result.errors) out.push_back(error.to_string());
  return out;
}

// A directory with a server certificate and key, a CA certificate, and a web config file.
class WebConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    write("server", test::TestCert::leaf("localhost", "", nullptr, now_ - 60, now_ + 3600));
    write("ca", test::TestCert::authority("Test CA", now_ - 60, now_ + 3600));
  }
  // <name>.crt and <name>.key, the key encrypted under `passphrase` unless it is empty.
  void write(const std::string& name, const test::TestCert& cert, const std::string& passphrase = "") {
    dir.write(name + ".crt", cert.pem());
    dir.write(name + ".key", cert.key_pem(passphrase));
  }
  WebConfigResult load(const std::string& yaml) { return load_web_config(dir.write("web.yml", yaml)); }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }

  const std::time_t now_ = std::time(nullptr);
  test::TempDir dir;
};

TEST_F(WebConfigFiles, ReadsEverySetting) {
  const WebConfigResult result = load(R"(
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
  max_version: TLS13
basic_auth_users:
  alice: $2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a
  bob: $2b$05$abcdefghijklmnopqrstuuWHxnxkyNt6AHCwFMQaY6auyqJA8E98a
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
)");
  ASSERT_THAT(error_texts(result), IsEmpty());
  const WebConfig& config = *result.config;
  ASSERT_TRUE(config.tls.has_value());
  // Relative paths are taken from the web config file's directory, not the working directory.
  EXPECT_EQ(config.tls->cert_file, file("server.crt"));
  EXPECT_EQ(config.tls->key_file, file("server.key"));
  EXPECT_EQ(config.tls->client_ca_file, file("ca.crt"));
  EXPECT_EQ(config.tls->client_auth, ClientAuth::require_and_verify);
  EXPECT_EQ(config.tls->min_version, TlsVersion::tls13);
  EXPECT_EQ(config.tls->max_version, TlsVersion::tls13);
  EXPECT_EQ(config.basic_auth_users.size(), 2u);
  EXPECT_EQ(config.basic_auth_users.at("alice"), "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a");
  EXPECT_THAT(config.headers, ElementsAre(std::pair<std::string, std::string>{"X-Frame-Options", "deny"},
                                          std::pair<std::string, std::string>{"Strict-Transport-Security",
                                                                              "max-age=31536000"}));
}

TEST_F(WebConfigFiles, DefaultsAreExporterToolkits) {
  const WebConfigResult result = load("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  ASSERT_THAT(error_texts(result), IsEmpty());
  EXPECT_EQ(result.config->tls->client_auth, ClientAuth::none);
  EXPECT_EQ(result.config->tls->min_version, TlsVersion::tls12);
  EXPECT_EQ(result.config->tls->max_version, std::nullopt);
  EXPECT_EQ(result.config->tls->client_ca_file, "");
  EXPECT_THAT(result.config->basic_auth_users, IsEmpty());
  EXPECT_THAT(result.config->headers, IsEmpty());
}

TEST_F(WebConfigFiles, AbsolutePathsStayAsWritten) {
  const WebConfigResult result =
      load("tls_server_config:\n  cert_file: " + file("server.crt") + "\n  key_file: " + file("server.key") + "\n");
  ASSERT_THAT(error_texts(result), IsEmpty());
  EXPECT_EQ(result.config->tls->cert_file, file("server.crt"));
}

TEST_F(WebConfigFiles, EmptyFileAndEmptyTlsSectionMeanPlainHttp) {
  for (const char* yaml : {"", "tls_server_config:\n", "tls_server_config: {}\nbasic_auth_users: {}\n"}) {
    const WebConfigResult result = load(yaml);
    ASSERT_THAT(error_texts(result), IsEmpty()) << yaml;
    EXPECT_FALSE(result.config->tls.has_value()) << yaml;
  }
}

TEST_F(WebConfigFiles, KeyMustMatchTheCertificate) {
  const WebConfigResult result = load("tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n");
  EXPECT_THAT(error_texts(result),
              ElementsAre(file("web.yml") + ":3:13: tls_server_config.key_file: the key in \"" + file("ca.key") +
                          "\" does not match the certificate in \"" + file("server.crt") +
                          "\": key values mismatch"));
}

TEST_F(WebConfigFiles, FilesMustHoldWhatTheirKeySays) {
  dir.write("garbage.pem", "not PEM\n");
  EXPECT_THAT(error_texts(load("tls_server_config:\n  cert_file: garbage.pem\n  key_file: server.key\n")),
              ElementsAre(file("web.yml") + ":2:14: tls_server_config.cert_file: no certificate in \"" +
                          file("garbage.pem") + "\": no start line"));
  EXPECT_THAT(error_texts(load("tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n")),
              ElementsAre(file("web.yml") + ":3:13: tls_server_config.key_file: no private key in \"" +
                          file("server.crt") + "\" (PEM, without a passphrase)"));
  // An encrypted key is refused at once: OpenSSL must not ask for a passphrase on the terminal.
  write("locked", test::TestCert::leaf("localhost", "", nullptr, now_ - 60, now_ + 3600), "secret");
  EXPECT_THAT(error_texts(load("tls_server_config:\n  cert_file: locked.crt\n  key_file: locked.key\n")),
              ElementsAre(file("web.yml") + ":3:13: tls_server_config.key_file: no private key in \"" +
                          file("locked.key") + "\" (PEM, without a passphrase)"));
  EXPECT_THAT(error_texts(load("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                               "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: garbage.pem\n")),
              ElementsAre(file("web.yml") + ":5:19: tls_server_config.client_ca_file: no CA certificate in \"" +
                          file("garbage.pem") + "\": no start line"));
  EXPECT_THAT(error_texts(load("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                               "  client_auth_type: RequestClientCert\n  client_ca_file: missing.pem\n")),
              ElementsAre(file("web.yml") + ":5:19: tls_server_config.client_ca_file: cannot read \"" +
                          file("missing.pem") + "\": No such file or directory"));
}

TEST(LoadWebConfig, UnreadableFile) {
  EXPECT_THAT(error_texts(load_web_config(data_dir + "/no_such_file.yml")),
              ElementsAre(data_dir + "/no_such_file.yml: cannot read file: No such file or directory"));
}

// Each file in data/invalid/ with the exact errors it must give, without the leading
// "<data dir>/invalid/" (which `{dir}` in a message stands for too). Every file there is listed.
using test::InvalidFile;

const InvalidFile invalid_files[] = {
    {"unknown_keys.yml",
     {"unknown_keys.yml:4:18: tls_server_config.cipher_suites: not supported by smtp_exporter",
      "unknown_keys.yml:5:3: tls_server_config: unknown key \"sni\"",
      "unknown_keys.yml:7:10: http_server_config.http2: expected true or false, got \"maybe\"",
      "unknown_keys.yml:8:3: http_server_config: unknown key \"compression\"",
      "unknown_keys.yml:9:1: unknown key \"listen\""}},
    {"bad_client_auth.yml",
     {"bad_client_auth.yml:4:21: tls_server_config.client_auth_type: unknown value \"Sometimes\" (expected one "
      "of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
      "RequireAndVerifyClientCert)"}},
    {"bad_versions.yml",
     {"bad_versions.yml:4:16: tls_server_config.min_version: unknown value \"TLS14\" (expected one of TLS10, "
      "TLS11, TLS12, TLS13)",
      "bad_versions.yml:5:16: tls_server_config.max_version: unknown value \"1.3\" (expected one of TLS10, "
      "TLS11, TLS12, TLS13)"}},
    {"max_below_min.yml", {"max_below_min.yml:5:16: tls_server_config.max_version: max_version is below min_version"}},
    {"missing_cert_and_key.yml",
     {"missing_cert_and_key.yml:2:3: tls_server_config: missing required key \"cert_file\"",
      "missing_cert_and_key.yml:2:3: tls_server_config: missing required key \"key_file\"",
      "missing_cert_and_key.yml:2:21: tls_server_config.client_auth_type: client_ca_file is needed to verify "
      "client certificates"}},
    {"client_ca_without_auth.yml",
     {"client_ca_without_auth.yml:5:19: tls_server_config.client_ca_file: client_ca_file is set but "
      "client_auth_type is NoClientCert"}},
    {"missing_cert_file.yml",
     {"missing_cert_file.yml:3:14: tls_server_config.cert_file: cannot read \"{dir}missing.crt\": No such file "
      "or directory"}},
    {"empty_path.yml",
     {"empty_path.yml:2:14: tls_server_config.cert_file: must not be empty",
      "empty_path.yml:3:3: tls_server_config.key_file: missing value"}},
    {"bad_users.yml",
     {"bad_users.yml:2:10: basic_auth_users.alice: expected a bcrypt hash ($2y$, $2b$ or $2a$)",
      "bad_users.yml:3:8: basic_auth_users.bob: expected a bcrypt hash ($2y$, $2b$ or $2a$)",
      "bad_users.yml:4:3: basic_auth_users: a user name must be non-empty and without \":\"",
      "bad_users.yml:5:9: basic_auth_users.dave: expected a bcrypt hash ($2y$, $2b$ or $2a$)",
      "bad_users.yml:6:8: basic_auth_users.eve: expected a scalar, got a sequence"}},
    {"bad_headers.yml",
     {"bad_headers.yml:3:22: http_server_config.headers.X-Frame-Options: expected deny or sameorigin, got "
      "\"allow\"",
      "bad_headers.yml:5:13: http_server_config.headers.Server: header \"Server\" cannot be set (allowed: "
      "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
      "Content-Security-Policy)",
      "bad_headers.yml:6:30: http_server_config.headers.Content-Security-Policy: expected a non-empty value "
      "on one line"}},
    {"wrong_types.yml",
     {"wrong_types.yml:1:20: tls_server_config: expected a map, got a sequence",
      "wrong_types.yml:2:19: basic_auth_users: expected a map, got a scalar",
      "wrong_types.yml:4:12: http_server_config.headers: expected a map, got a scalar"}},
    {"yaml_syntax.yml", {"yaml_syntax.yml:3:1: end of map flow not found"}},
    {"duplicate_key.yml", {"duplicate_key.yml:3:3: basic_auth_users: duplicate key \"alice\""}},
};

class InvalidWebConfig : public ::testing::TestWithParam<InvalidFile> {};

TEST_P(InvalidWebConfig, ReportsExactlyTheseErrors) {
  const std::string dir = data_dir + "/invalid/";
  const WebConfigResult result = load_web_config(dir + GetParam().file);
  EXPECT_FALSE(result.config.has_value());
  std::vector<std::string> expected;
  for (std::string error : GetParam().errors) {
    if (const auto at = error.find("{dir}"); at != std::string::npos) error.replace(at, 5, dir);
    expected.push_back(dir + error);
  }
  EXPECT_THAT(error_texts(result), ElementsAreArray(expected));
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidWebConfig, ::testing::ValuesIn(invalid_files), test::case_name);

TEST(InvalidWebConfigFiles, EveryFileHasExpectedErrors) {
  test::expect_table_lists_every_file(invalid_files, data_dir + "/invalid");
}

}  // namespace
}  // namespace smtp_exporter::web
