// gzip for large responses: Prometheus asks for it (Accept-Encoding: gzip), and /metrics of
// thousands of targets shrinks about tenfold.
#pragma once

#include <string>
#include <string_view>

namespace smtp_exporter::http {

// True if an Accept-Encoding header value accepts gzip (and does not refuse it with q=0).
bool accepts_gzip(std::string_view accept_encoding);

// The gzip (RFC 1952) form of `data`, at a fast compression level.
std::string gzip(std::string_view data);

}  // namespace smtp_exporter::http
