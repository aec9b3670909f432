#include "http/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace smtp_exporter::http {

bool accepts_gzip(std::string_view header) {
  // Each element: coding [;q=value]. "gzip;q=0" refuses it.
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::string text(element);
    text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }), text.end());
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto semi = text.find(';');
    const std::string coding = text.substr(0, semi);
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string::npos) return true;
    const std::string params = text.substr(semi + 1);
    return !(params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000");
  }
  return false;
}

std::string gzip(std::string_view data) {
  GzipStream stream;
  std::string out;
  stream.write(data, out);
  stream.finish(out);
  return out;
}

struct GzipStream::State {
  z_stream z{};
};

GzipStream::GzipStream() : state_(std::make_unique<State>()) {
  if (deflateInit2(&state_->z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
}

GzipStream::~GzipStream() { deflateEnd(&state_->z); }

void GzipStream::write(std::string_view data, std::string& out) { deflate_into(data, out, Z_NO_FLUSH); }

void GzipStream::finish(std::string& out) { deflate_into({}, out, Z_FINISH); }

void GzipStream::deflate_into(std::string_view data, std::string& out, int flush) {
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  for (;;) {
    const std::size_t used = out.size();
    const std::size_t room = deflateBound(&z, z.avail_in) + 64;
    out.resize(used + room);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    z.avail_out = static_cast<uInt>(room);
    const int rc = deflate(&z, flush);
    out.resize(used + room - z.avail_out);
    if (rc == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    if (flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_in == 0 && z.avail_out != 0) return;
  }
}

}  // namespace smtp_exporter::http
