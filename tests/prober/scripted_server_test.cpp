// The scripted server itself: if it could not catch an early talker, the prober tests that rely
// on it would prove nothing.
#include <gtest/gtest.h>

#include <thread>

#include "support/scripted_server.hpp"

namespace smtp_exporter::test {
namespace {

using namespace std::chrono_literals;

TEST(ScriptedServer, DropsAClientThatTalksBeforeTheFinalGreetingLine) {
  ScriptedServer server(Script().drop_early_talkers().send("220-wait\r\n").pause(500ms).send("220 now\r\n"));
  const std::string heard = talk_raw("127.0.0.1", server.port(), "EHLO early.example.org\r\n", 2000ms);
  EXPECT_EQ(heard, "220-wait\r\n");  // dropped before the final line
  const auto sessions = server.wait_sessions(1);
  ASSERT_EQ(sessions.size(), 1u);
  const auto& s = sessions.front();
  EXPECT_EQ(s.violations.size(), 1u);
  EXPECT_GT(s.early_bytes, 0u);
  ASSERT_FALSE(s.chunks.empty());
  EXPECT_EQ(s.chunks.front().server_bytes_sent, 10u);
  EXPECT_EQ(s.lines, (std::vector<std::string>{"EHLO early.example.org\r\n"}));
  EXPECT_LT(s.duration, 400ms);  // dropped at once, not after the pause
}

TEST(ScriptedServer, StopsPromptlyWhenDestroyedMidSession) {
  const auto started = std::chrono::steady_clock::now();
  std::string heard;
  std::thread client;
  {
    ScriptedServer server(Script().send("220 hi\r\n").pause(10s));
    client = std::thread([&heard, port = server.port()] { heard = talk_raw("127.0.0.1", port, "", 5000ms); });
    std::this_thread::sleep_for(200ms);  // connected and greeted; the server is now pausing
  }  // destruction must cut the pause short and close the connection
  client.join();
  EXPECT_EQ(heard, "220 hi\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

}  // namespace
}  // namespace smtp_exporter::test
