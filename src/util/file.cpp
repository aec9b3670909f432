#include "util/file.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>

namespace smtp_exporter::util {

std::optional<std::string> read_whole_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return std::nullopt;
  std::string text;
  char buffer[1 << 16];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) text.append(buffer, n);
  if (std::ferror(file.get())) {
    const int read_error = errno;  // for the caller's message, past fclose()
    file.reset();
    errno = read_error;
    return std::nullopt;
  }
  return text;
}

}  // namespace smtp_exporter::util
