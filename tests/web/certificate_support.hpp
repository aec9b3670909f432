// Certificates made at test time, so that no key is kept in the repository.
#pragma once

#include <filesystem>
#include <string>

namespace smtp_exporter::web::test {

// A fresh EC P-256 key and a self-signed certificate for it (CN = common_name, valid one hour),
// written as PEM; the key encrypted with `passphrase` unless it is empty.
void write_self_signed(const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                       const std::string& common_name, const std::string& passphrase = "");

// A fresh empty directory under the system's temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes text to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace smtp_exporter::web::test
