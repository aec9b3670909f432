// Which IMAP folders a loop searches when none are configured.
#include "loop/receiver.hpp"

#include <gtest/gtest.h>

namespace smtp_exporter::loop {
namespace {

TEST(DefaultFolders, InboxThenTheJunkFolders) {
  const std::vector<imap::Folder> listed = {
      {"INBOX", {"\\HasNoChildren"}},
      {"Archive", {}},
      {"Spam", {}},
      {"Werbung", {"\\Junk"}},              // RFC 6154's attribute, any name
      {"junk", {"\\Noselect"}},             // cannot be selected
      {"Junk&AOQ-", {"\\Junk"}},           // modified UTF-7: ASCII, fine
      {"Junk\xc3\xa4", {"\\Junk"}},        // 8-bit: not a label value
      {"INBOX", {}},                        // said twice
  };
  EXPECT_EQ(default_folders(listed), (std::vector<std::string>{"INBOX", "Spam", "Werbung", "Junk&AOQ-"}));
  EXPECT_EQ(default_folders({}), std::vector<std::string>{"INBOX"});
}

}  // namespace
}  // namespace smtp_exporter::loop
