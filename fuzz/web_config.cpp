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

#include "web/certificate_support.hpp"
#include "web/web_config.hpp"

namespace {
namespace web = smtp_exporter::web;

// The working directory, with the files made on first use; removed at exit.
struct Files {
  web::test::TempDir dir;
  Files() {
    web::test::write_self_signed(dir.path() / "server.crt", dir.path() / "server.key", "localhost");
    std::filesystem::copy_file(dir.path() / "server.crt", dir.path() / "ca.crt");
  }
};
const web::test::TempDir& directory() {
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
