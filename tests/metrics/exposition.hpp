// A small, strict reader of text exposition format 0.0.4 for the tests: samples keyed by name
// and sorted labels, HELP and TYPE per family, and the format rules it checks on the way.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtp_exporter::metrics::test {

struct Exposition {
  std::map<std::string, double> samples;  // `name{a="x",b="y"}`, labels sorted, values unescaped
  std::map<std::string, std::string> help;
  std::map<std::string, std::string> type;
  std::vector<std::string> errors;  // broken lines, repeated series, families split apart

  double at(const std::string& key) const {
    const auto it = samples.find(key);
    return it == samples.end() ? -12345 : it->second;  // a value no test expects
  }
};

// The key parse_exposition() files a sample under.
inline std::string series(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
  std::string key = name + '{';
  for (const auto& [label, value] : labels) {
    key += (key.back() == '{' ? "" : ",") + label + "=\"" + value + '"';
  }
  return key + '}';
}

namespace detail {

inline std::string family_of(const Exposition& e, const std::string& sample_name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample_name.ends_with(suffix)) {
      const auto base = sample_name.substr(0, sample_name.size() - suffix.size());
      const auto it = e.type.find(base);
      if (it != e.type.end() && it->second == "histogram") return base;
    }
  }
  return sample_name;
}

// Reads `name{labels} value` into key and value; false if the line is malformed.
inline bool parse_sample(std::string_view line, std::string& name, std::string& key, double& value) {
  const auto name_end = line.find_first_of("{ ");
  if (name_end == 0 || name_end == std::string_view::npos) return false;
  name = std::string(line.substr(0, name_end));
  std::vector<std::pair<std::string, std::string>> labels;
  std::size_t pos = name_end;
  if (line[pos] == '{') {
    ++pos;
    while (pos < line.size() && line[pos] != '}') {
      const auto eq = line.find("=\"", pos);
      if (eq == std::string_view::npos) return false;
      std::string label_name(line.substr(pos, eq - pos));
      std::string label_value;
      for (pos = eq + 2; pos < line.size() && line[pos] != '"'; ++pos) {
        if (line[pos] == '\\') {
          if (++pos == line.size()) return false;
          const char c = line[pos];
          if (c != '\\' && c != '"' && c != 'n') return false;
          label_value += c == 'n' ? '\n' : c;
        } else {
          label_value += line[pos];
        }
      }
      if (pos == line.size()) return false;
      ++pos;  // closing quote
      if (pos < line.size() && line[pos] == ',') ++pos;
      labels.emplace_back(std::move(label_name), std::move(label_value));
    }
    if (pos == line.size()) return false;
    ++pos;  // '}'
  }
  if (pos >= line.size() || line[pos] != ' ') return false;
  const std::string value_text(line.substr(pos + 1));
  if (value_text.empty() || value_text.find(' ') != std::string::npos) return false;
  char* end = nullptr;
  value = std::strtod(value_text.c_str(), &end);
  if (*end != '\0') return false;

  std::map<std::string, std::string> sorted;
  for (auto& [label, label_value] : labels) {
    if (!sorted.emplace(std::move(label), std::move(label_value)).second) return false;  // repeated
  }
  key = series(name, sorted);
  return true;
}

}  // namespace detail

inline Exposition parse_exposition(std::string_view text) {
  Exposition e;
  std::string current;  // family of the lines being read
  std::set<std::string> finished;
  auto enter = [&](const std::string& family, std::string_view line) {
    if (family == current) return;
    if (finished.count(family)) e.errors.push_back("family split apart: " + std::string(line));
    if (!current.empty()) finished.insert(current);
    current = family;
  };
  if (!text.empty() && !text.ends_with('\n')) e.errors.push_back("no final newline");
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const auto rest = line.substr(7);
      const auto sp = rest.find(' ');
      const std::string family(rest.substr(0, sp));
      auto& map = line[2] == 'H' ? e.help : e.type;
      if (sp == std::string_view::npos || map.count(family)) {
        e.errors.push_back("bad or repeated: " + std::string(line));
        continue;
      }
      enter(family, line);
      map[family] = std::string(rest.substr(sp + 1));
      continue;
    }
    std::string name, key;
    double value = 0;
    if (!detail::parse_sample(line, name, key, value)) {
      e.errors.push_back("malformed: " + std::string(line));
      continue;
    }
    enter(detail::family_of(e, name), line);
    if (!e.samples.emplace(key, value).second) e.errors.push_back("repeated series: " + key);
  }
  return e;
}

}  // namespace smtp_exporter::metrics::test
