#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace smtp_exporter::config {
namespace {

std::string node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "nothing";
  }
}

}  // namespace

std::optional<Item> YamlReader::parse(const std::string& yaml) {
  try {
    const YAML::Node root = YAML::Load(yaml);
    return Item{root, "", root.Mark()};
  } catch (const YAML::Exception& e) {
    error(e.mark, "", e.msg);
    return std::nullopt;
  }
}

void YamlReader::error(const YAML::Mark& mark, std::string key, std::string message) {
  const bool known = mark.line >= 0;
  errors_.push_back(Error{file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0,
                          std::move(key), std::move(message)});
}

std::vector<Error> YamlReader::sorted_errors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return std::move(errors_);
}

bool YamlReader::for_each_field(const Item& item, const std::function<bool(const Field&)>& read) {
  if (item.node.IsNull()) return true;
  if (!item.node.IsMap()) {
    error(item, "expected a map, got " + node_kind(item.node));
    return false;
  }
  std::set<std::string> seen;
  for (const auto& entry : item.node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      error(key.Mark(), item.key, "expected a scalar key, got " + node_kind(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      error(key.Mark(), item.key, "duplicate key " + quote(name));
      continue;
    }
    const YAML::Node& value = entry.second;
    const Field field{name,
                      key.Mark(),
                      {value, item.key.empty() ? name : item.key + "." + name,
                       value.IsNull() ? key.Mark() : value.Mark()}};
    if (!read(field)) error(key.Mark(), item.key, "unknown key " + quote(name));
  }
  return true;
}

std::vector<Item> YamlReader::elements(const Item& item) {
  std::vector<Item> out;
  if (item.node.IsNull()) return out;
  if (!item.node.IsSequence()) {
    error(item, "expected a sequence, got " + node_kind(item.node));
    return out;
  }
  for (const YAML::Node& element : item.node) {
    out.push_back({element, item.key + "[" + std::to_string(out.size()) + "]", element.Mark()});
  }
  return out;
}

std::string YamlReader::quote(std::string_view text) const {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else if (control_ == ControlChars::replace) {
      out += '?';
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    }
  }
  return out + "\"";
}

std::optional<std::string> YamlReader::scalar(const Item& item) {
  if (item.node.IsScalar()) return item.node.Scalar();
  error(item, item.node.IsNull() ? "missing value" : "expected a scalar, got " + node_kind(item.node));
  return std::nullopt;
}

bool YamlReader::read(const Item& item, std::string& out) {
  auto text = scalar(item);
  if (text) out = std::move(*text);
  return text.has_value();
}

bool YamlReader::read(const Item& item, int& out, int min, int max) {
  auto text = scalar(item);
  if (!text) return false;
  int value = 0;
  const char* end = text->data() + text->size();
  auto [stop, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || stop != end || value < min || value > max) {
    error(item, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                    ", got " + quote(*text));
    return false;
  }
  out = value;
  return true;
}

bool YamlReader::read(const Item& item, bool& out) {
  return read_choice(item, out, "true or false",
                     {{"true", true},
                      {"True", true},
                      {"TRUE", true},
                      {"false", false},
                      {"False", false},
                      {"FALSE", false}});
}

}  // namespace smtp_exporter::config
