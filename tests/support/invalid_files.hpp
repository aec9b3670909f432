// The table-driven tests of invalid config files (tests/config, tests/web): one data file each,
// with every error the loader must report for it, in file order.
#pragma once

#include <gtest/gtest.h>

#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace smtp_exporter::test {

struct InvalidFile {
  std::string file;                 // in the test data's invalid/ folder
  std::vector<std::string> errors;  // each as Error::to_string() says it, without the folder
};
// Printed by name, so test lists (and ctest) show the file instead of the struct's bytes.
void PrintTo(const InvalidFile& f, std::ostream* os);

// gtest's name for a case: the file's name without its extension ("bad_mode" for bad_mode.yml).
std::string case_name(const ::testing::TestParamInfo<InvalidFile>& info);

// A test failure unless `table` lists exactly the files in `folder`: a file nobody checks, or a
// case whose file is gone, is a mistake.
void expect_table_lists_every_file(std::span<const InvalidFile> table, const std::string& folder);

}  // namespace smtp_exporter::test
