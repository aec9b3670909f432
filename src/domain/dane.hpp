// DANE for SMTP (RFC 7672, RFC 7671): whether a server's certificate chain matches one of the
// TLSA records of its MX host. No sockets here: the chain comes from the probe's handshake.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "dns/records.hpp"

namespace smtp_exporter::domain {

// Usable for SMTP (RFC 7672 3.1): usage 2 (DANE-TA) or 3 (DANE-EE), selector 0 or 1, matching
// type 0, 1 or 2. Usages 0 and 1 (PKIX) do not apply to SMTP.
bool is_usable(const dns::TlsaRecord& record);
std::size_t usable_count(const std::vector<dns::TlsaRecord>& records);

// True if a usable record matches the chain (DER, the server's own certificate first): a
// DANE-EE record the server's certificate, a DANE-TA record any certificate after it. Name
// checks and expiry do not apply to DANE-EE (RFC 7672 3.1.1); for DANE-TA this checks that the
// trust anchor is in the presented chain, not the signatures up to it.
bool dane_matches(const std::vector<dns::TlsaRecord>& records, const std::vector<std::string>& chain_der);

// The data a record with this selector and matching type would hold for a certificate (for
// tests and for writing TLSA records): SHA-256 of the public key for 3 1 1.
std::vector<std::uint8_t> tlsa_data(const std::string& certificate_der, int selector, int matching_type);

}  // namespace smtp_exporter::domain
