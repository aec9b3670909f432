// libFuzzer target: web::load_web_config (yaml-cpp, validation, then the TLS files) on arbitrary
// text. The loader reads a file, so each input is written to web.yml in a directory that also
// holds a valid server.crt, server.key and ca.crt (made once, at start), which the seeds name:
// inputs reach the certificate loading too. Beyond crashes: a result is either a config or a
// list of errors, never both or neither, and every error says what is wrong.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/certificates.hpp"
#include "support/temp_dir.hpp"
#include "web/web_config.hpp"

namespace {
namespace web = smtp_exporter::web;

// The working directory, with the files made on first use; removed at exit.
struct Files {
  smtp_exporter::test::TempDir dir;
  Files() {
    using smtp_exporter::test::days_from_now;
    const auto cert = smtp_exporter::test::TestCert::leaf("localhost", "DNS:localhost", nullptr, days_from_now(-1),
                                                          days_from_now(365));
    dir.write("server.crt", cert.pem());
    dir.write("server.key", cert.key_pem());
    std::filesystem::copy_file(dir.path() / "server.crt", dir.path() / "ca.crt");
  }
};
const smtp_exporter::test::TempDir& directory() {
  static const Files files;
  return files.dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  const auto result = web::load_web_config(directory().write("web.yml", yaml));
  if (result.config.has_value() == !result.errors.empty()) std::abort();
  for (const auto& e : result.errors) {
    if (e.message.empty() || e.line < 0 || e.column < 0) std::abort();
    (void)e.to_string();
  }
  return 0;
}
