// The floor for /metrics over HTTP: answers each GET with the bytes of a file (a body the
// exporter served), chunked in pieces like the exporter's, from one thread with blocking writes
// and nothing rendered. What a scrape of it takes is what the kernel and the client take to move
// those bytes over loopback on this machine, with no exporter at all.
//   smtp_exporter_bench_http_floor BODY_FILE PORT MAX_REQUESTS
// Listens on 127.0.0.1:PORT, prints "ready" once listening, exits after MAX_REQUESTS answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace {

constexpr std::size_t kPiece = 256 * 1024;  // as the exporter's /metrics pieces

bool write_all(int fd, std::array<iovec, 3> parts) {
  std::size_t first = 0;
  while (first < parts.size()) {
    const ssize_t n = writev(fd, parts.data() + first, static_cast<int>(parts.size() - first));
    if (n <= 0) return false;
    auto left = static_cast<std::size_t>(n);
    for (; first < parts.size() && left >= parts[first].iov_len; ++first) left -= parts[first].iov_len;
    if (first < parts.size()) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
      parts[first].iov_len -= left;
    }
  }
  return true;
}

void answer(int fd, const std::string& body) {
  std::string request;
  std::array<char, 4096> buf;
  while (request.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n <= 0) return;
    request.append(buf.data(), static_cast<std::size_t>(n));
  }
  static char head[] =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  static char crlf[] = "\r\n";
  static char last[] = "0\r\n\r\n";
  if (!write_all(fd, {iovec{head, sizeof head - 1}, iovec{}, iovec{}})) return;
  for (std::size_t at = 0; at < body.size(); at += kPiece) {
    const std::size_t n = std::min(kPiece, body.size() - at);
    std::array<char, 24> size_line;
    const int len = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", n);
    if (!write_all(fd, {iovec{size_line.data(), static_cast<std::size_t>(len)},
                        iovec{const_cast<char*>(body.data() + at), n}, iovec{crlf, 2}})) {
      return;
    }
  }
  write_all(fd, {iovec{last, sizeof last - 1}, iovec{}, iovec{}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BODY_FILE PORT MAX_REQUESTS\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(argv[2])));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!file || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 16) != 0) {
    std::perror("http_floor");
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (int served = 0, max = std::stoi(argv[3]); served < max; ++served) {
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    answer(fd, body);
    close(fd);
  }
  return 0;
}
