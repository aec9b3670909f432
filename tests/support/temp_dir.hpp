// A fresh folder for the files a test writes (certificates, config files), removed with
// everything in it when the test is done.
#pragma once

#include <filesystem>
#include <string>

namespace smtp_exporter::test {

class TempDir {
 public:
  TempDir();  // under the system's temporary folder; throws std::system_error if it cannot
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes text to path()/name; returns the full path. Throws std::runtime_error if it cannot.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace smtp_exporter::test
