// DNS record data (RFC 1035 wire format, as libunbound hands it over) turned into plain values:
// MX, TLSA, TXT, A/AAAA and PTR. No sockets here; every length is checked against the data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace smtp_exporter::dns {

// RR types this exporter asks for (RFC 1035, 3596, 6698).
enum class RecordType : std::uint16_t { a = 1, ptr = 12, mx = 15, txt = 16, aaaa = 28, tlsa = 52 };

using Rdata = std::span<const std::uint8_t>;

struct MxRecord {
  std::uint16_t preference = 0;
  std::string exchange;  // lower case, without the trailing dot; "" is the root: a null MX (RFC 7505)
  bool operator==(const MxRecord&) const = default;
};

struct TlsaRecord {
  std::uint8_t usage = 0;          // 0-3; DANE for SMTP uses 2 (DANE-TA) and 3 (DANE-EE)
  std::uint8_t selector = 0;       // 0 whole certificate, 1 public key
  std::uint8_t matching_type = 0;  // 0 exact, 1 SHA-256, 2 SHA-512
  std::vector<std::uint8_t> data;
  bool operator==(const TlsaRecord&) const = default;
};

// A domain name in uncompressed wire format starting at `offset` (advanced past it): labels
// joined by dots, lower case, no trailing dot; "" for the root. nullopt if malformed.
std::optional<std::string> read_name(Rdata data, std::size_t& offset);

std::optional<MxRecord> parse_mx(Rdata data);
std::optional<TlsaRecord> parse_tlsa(Rdata data);
// The character-strings of a TXT record, concatenated (RFC 7208 3.3 and RFC 8461 3.1 read them so).
std::optional<std::string> parse_txt(Rdata data);
// An A (4 bytes) or AAAA (16 bytes) record as address text ("192.0.2.1", "2001:db8::1").
std::optional<std::string> parse_address(RecordType type, Rdata data);
std::optional<std::string> parse_ptr(Rdata data);

// The name of the reverse zone entry for an address: "1.2.0.192.in-addr.arpa" or the nibbles
// under ip6.arpa; nullopt if `address` is not an address.
std::optional<std::string> reverse_name(const std::string& address);

}  // namespace smtp_exporter::dns
