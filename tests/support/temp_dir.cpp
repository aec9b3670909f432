#include "support/temp_dir.hpp"

#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace smtp_exporter::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "smtp_exporter_test_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
  return file.string();
}

}  // namespace smtp_exporter::test
