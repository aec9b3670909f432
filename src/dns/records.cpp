#include "dns/records.hpp"

#include <arpa/inet.h>

#include <array>

namespace smtp_exporter::dns {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<std::string> read_name(Rdata data, std::size_t& offset) {
  std::string name;
  for (std::size_t labels = 0; labels < 128; ++labels) {
    if (offset >= data.size()) return std::nullopt;
    const std::size_t length = data[offset++];
    if (length == 0) return name;
    if (length > 63 || offset + length > data.size()) return std::nullopt;  // 0xC0: compression, not in rdata
    if (!name.empty()) name += '.';
    for (std::size_t i = 0; i < length; ++i) name += lower(static_cast<char>(data[offset + i]));
    offset += length;
    if (name.size() > 253) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<MxRecord> parse_mx(Rdata data) {
  if (data.size() < 3) return std::nullopt;
  MxRecord mx;
  mx.preference = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  std::size_t offset = 2;
  auto exchange = read_name(data, offset);
  if (!exchange || offset != data.size()) return std::nullopt;
  mx.exchange = std::move(*exchange);
  return mx;
}

std::optional<TlsaRecord> parse_tlsa(Rdata data) {
  if (data.size() < 4) return std::nullopt;
  TlsaRecord tlsa;
  tlsa.usage = data[0];
  tlsa.selector = data[1];
  tlsa.matching_type = data[2];
  tlsa.data.assign(data.begin() + 3, data.end());
  return tlsa;
}

std::optional<std::string> parse_txt(Rdata data) {
  std::string text;
  std::size_t offset = 0;
  while (offset < data.size()) {
    const std::size_t length = data[offset++];
    if (offset + length > data.size()) return std::nullopt;
    text.append(reinterpret_cast<const char*>(data.data() + offset), length);
    offset += length;
  }
  return text;
}

std::optional<std::string> parse_address(RecordType type, Rdata data) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (type == RecordType::a && data.size() == 4) {
    if (inet_ntop(AF_INET, data.data(), text.data(), text.size()) == nullptr) return std::nullopt;
  } else if (type == RecordType::aaaa && data.size() == 16) {
    if (inet_ntop(AF_INET6, data.data(), text.data(), text.size()) == nullptr) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return std::string(text.data());
}

std::optional<std::string> parse_ptr(Rdata data) {
  std::size_t offset = 0;
  auto name = read_name(data, offset);
  if (!name || offset != data.size()) return std::nullopt;
  return name;
}

std::optional<std::string> reverse_name(const std::string& address) {
  std::array<unsigned char, 16> bytes{};
  static constexpr char hex[] = "0123456789abcdef";
  if (inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    std::string name;
    for (int i = 3; i >= 0; --i) name += std::to_string(bytes[static_cast<std::size_t>(i)]) + ".";
    return name + "in-addr.arpa";
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
    std::string name;
    for (int i = 15; i >= 0; --i) {
      const unsigned char b = bytes[static_cast<std::size_t>(i)];
      name += hex[b & 15];
      name += '.';
      name += hex[b >> 4];
      name += '.';
    }
    return name + "ip6.arpa";
  }
  return std::nullopt;
}

}  // namespace smtp_exporter::dns
