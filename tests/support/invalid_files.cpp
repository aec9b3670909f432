#include "support/invalid_files.hpp"

#include <filesystem>
#include <ostream>
#include <set>

namespace smtp_exporter::test {

void PrintTo(const InvalidFile& f, std::ostream* os) { *os << f.file; }

std::string case_name(const ::testing::TestParamInfo<InvalidFile>& info) {
  return std::filesystem::path(info.param.file).stem().string();
}

void expect_table_lists_every_file(std::span<const InvalidFile> table, const std::string& folder) {
  std::set<std::string> listed, present;
  for (const InvalidFile& invalid : table) listed.insert(invalid.file);
  for (const auto& entry : std::filesystem::directory_iterator(folder)) present.insert(entry.path().filename().string());
  EXPECT_EQ(listed, present);
}

}  // namespace smtp_exporter::test
