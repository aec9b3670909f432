#include "metrics/domain_text.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>

#include "metrics/writer.hpp"

namespace smtp_exporter::metrics {
namespace {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// The lines of one family for one domain: `name{<labels>,<more>} value`. Every label value is
// escaped: MX names and ids come from DNS.
class Lines {
 public:
  Lines(std::string& out, std::string_view name, std::string_view labels) : out_(out), name_(name), labels_(labels) {}

  void add(Labels more, double value) {
    out_ += name_;
    char sep = '{';
    if (!labels_.empty()) {
      out_ += sep;
      out_ += labels_;
      sep = ',';
    }
    for (const auto& [label, label_value] : more) {
      out_ += sep;
      append_escaped_label(out_, label, label_value);
      sep = ',';
    }
    if (sep == ',') out_ += '}';
    out_ += ' ';
    append_double(out_, value);
    out_ += '\n';
  }
  void add(double value) { add({}, value); }

 private:
  std::string& out_;
  std::string_view name_;
  std::string_view labels_;
};

struct DomainFamilyWriter {
  const Family* family;
  bool (*shows)(const DomainSummary&);
  void (*lines)(Lines&, const DomainSummary&);
};

bool always(const DomainSummary&) { return true; }
bool sts_checked(const DomainSummary& s) { return s.sts_checked; }
bool sts_policy(const DomainSummary& s) { return s.sts_checked && s.sts_mode.has_value() && !s.mx.empty(); }
bool sts_id(const DomainSummary& s) { return s.sts_checked && s.sts_record_present; }
bool dane_mx(const DomainSummary& s) { return s.dane_checked && !s.mx.empty(); }
bool dane_match(const DomainSummary& s) {
  return s.dane_checked && std::any_of(s.addresses_probed.begin(), s.addresses_probed.end(),
                                       [](const DomainSummary::Address& a) { return a.dane_match.has_value(); });
}
bool per_address(const DomainSummary& s) { return !s.addresses_probed.empty(); }

// One line per family of address ("ip4", "ip6").
void by_family(Lines& lines, const std::array<std::size_t, 2>& counts) {
  for (const auto family : kFamilies) {
    lines.add({{"family", domain::family_name(family)}}, static_cast<double>(counts[family_index(family)]));
  }
}

constexpr std::array kDomainFamilyWriters{
    DomainFamilyWriter{&kDomainMxHosts, always,
                       [](Lines& l, const DomainSummary& s) { l.add(static_cast<double>(s.mx_hosts)); }},
    DomainFamilyWriter{&kDomainAddresses, always, [](Lines& l, const DomainSummary& s) { by_family(l, s.addresses); }},
    DomainFamilyWriter{&kDomainAddressesUp, always,
                       [](Lines& l, const DomainSummary& s) { by_family(l, s.addresses_up); }},
    DomainFamilyWriter{&kDomainSuccess, always, [](Lines& l, const DomainSummary& s) { l.add(s.success); }},
    DomainFamilyWriter{&kDomainNullMx, always, [](Lines& l, const DomainSummary& s) { l.add(s.null_mx); }},
    DomainFamilyWriter{&kDomainDnsFailure, always,
                       [](Lines& l, const DomainSummary& s) {
                         for (const std::string_view reason : domain::kDnsFailureNames) {
                           l.add({{"reason", reason}}, reason == domain::dns_failure_name(s.dns_failure));
                         }
                       }},
    DomainFamilyWriter{&kDomainConsistent, always,
                       [](Lines& l, const DomainSummary& s) {
                         for (std::size_t i = 0; i < kAspectCount; ++i) {
                           l.add({{"aspect", kConsistencyAspects[i]}}, s.consistent[i]);
                         }
                       }},
    DomainFamilyWriter{&kMtaStsPolicyPresent, sts_checked,
                       [](Lines& l, const DomainSummary& s) { l.add(s.sts_record_present); }},
    DomainFamilyWriter{&kMtaStsFetchSuccess, sts_checked,
                       [](Lines& l, const DomainSummary& s) { l.add(s.sts_fetched); }},
    DomainFamilyWriter{&kMtaStsMode, sts_checked,
                       [](Lines& l, const DomainSummary& s) {
                         using Mode = domain::StsPolicy::Mode;
                         for (const Mode mode : {Mode::enforce, Mode::testing, Mode::none}) {
                           l.add({{"mode", domain::mode_name(mode)}}, s.sts_mode == mode);
                         }
                       }},
    DomainFamilyWriter{&kMtaStsMaxAge, sts_checked, [](Lines& l, const DomainSummary& s) { l.add(s.sts_max_age); }},
    DomainFamilyWriter{&kMtaStsMxCovered, sts_policy,
                       [](Lines& l, const DomainSummary& s) {
                         for (const auto& mx : s.mx) l.add({{"mx", mx.name}}, mx.sts_covered);
                       }},
    DomainFamilyWriter{&kMtaStsPolicyId, sts_id, [](Lines& l, const DomainSummary& s) { l.add({{"id", s.sts_id}}, 1); }},
    DomainFamilyWriter{&kDaneTlsaRecords, dane_mx,
                       [](Lines& l, const DomainSummary& s) {
                         for (const auto& mx : s.mx) l.add({{"mx", mx.name}}, static_cast<double>(mx.tlsa_usable));
                       }},
    DomainFamilyWriter{&kDaneDnssecSecure, dane_mx,
                       [](Lines& l, const DomainSummary& s) {
                         for (const auto& mx : s.mx) l.add({{"mx", mx.name}}, mx.tlsa_secure);
                       }},
    DomainFamilyWriter{&kDaneMatch, dane_match,
                       [](Lines& l, const DomainSummary& s) {
                         for (const auto& a : s.addresses_probed) {
                           if (a.dane_match) l.add({{"mx", a.mx}, {"address", a.address}}, *a.dane_match);
                         }
                       }},
    DomainFamilyWriter{&kFcrdnsMatch, per_address,
                       [](Lines& l, const DomainSummary& s) {
                         for (const auto& a : s.addresses_probed) l.add({{"mx", a.mx}, {"address", a.address}}, a.fcrdns);
                       }},
    DomainFamilyWriter{&kBannerNameMatchesPtr, per_address,
                       [](Lines& l, const DomainSummary& s) {
                         for (const auto& a : s.addresses_probed) {
                           l.add({{"mx", a.mx}, {"address", a.address}}, a.banner_matches_ptr);
                         }
                       }},
};

static_assert(static_cast<std::size_t>(domain::DnsFailure::nxdomain) == 1 &&
                  static_cast<std::size_t>(domain::DnsFailure::no_address) == domain::kDnsFailureNames.size(),
              "DnsFailure: none, then the reasons in kDnsFailureNames' order");

}  // namespace

std::size_t domain_family_count() { return kDomainFamilyWriters.size(); }

const Family& domain_family(std::size_t index) { return *kDomainFamilyWriters[index].family; }

bool domain_family_shows(std::size_t index, const DomainSummary& summary) {
  return kDomainFamilyWriters[index].shows(summary);
}

void write_domain_series(std::string& out, std::size_t index, std::string_view name, std::string_view labels,
                         const DomainSummary& summary) {
  Lines lines(out, name, labels);
  kDomainFamilyWriters[index].lines(lines, summary);
}

}  // namespace smtp_exporter::metrics
