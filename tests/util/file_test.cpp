#include "util/file.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "support/temp_dir.hpp"

namespace smtp_exporter::util {
namespace {

TEST(ReadWholeFile, ReturnsEveryByte) {
  const test::TempDir dir;
  std::string bytes(200000, 'x');  // more than one read
  bytes[0] = '\0';
  bytes.back() = '\n';
  EXPECT_EQ(read_whole_file(dir.write("big", bytes)), bytes);
  EXPECT_EQ(read_whole_file(dir.write("empty", "")), "");
}

TEST(ReadWholeFile, LeavesTheReasonInErrno) {
  const test::TempDir dir;
  errno = 0;
  EXPECT_EQ(read_whole_file((dir.path() / "missing").string()), std::nullopt);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_EQ(read_whole_file(dir.path().string()), std::nullopt);  // a folder opens, but reading fails
  EXPECT_EQ(errno, EISDIR);
}

}  // namespace
}  // namespace smtp_exporter::util
