// gzip for large responses: Prometheus asks for it (Accept-Encoding: gzip), and /metrics of
// thousands of targets shrinks about tenfold.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace smtp_exporter::http {

// True if an Accept-Encoding header value accepts gzip (and does not refuse it with q=0).
bool accepts_gzip(std::string_view accept_encoding);

// The gzip (RFC 1952) form of `data`, at a fast compression level.
std::string gzip(std::string_view data);

// gzip of a body produced piece by piece, so it is never held whole, plain or compressed.
class GzipStream {
 public:
  GzipStream();
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Compresses `data` and appends what zlib has ready to `out` (possibly nothing yet).
  void write(std::string_view data, std::string& out);
  // Appends the rest and the gzip trailer; write() must not be called after it.
  void finish(std::string& out);

 private:
  void deflate_into(std::string_view data, std::string& out, int flush);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace smtp_exporter::http
