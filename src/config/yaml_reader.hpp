// What the two YAML loaders (the exporter config and the --web.config.file) share: walking maps
// and sequences with the dotted key of every value, reading scalars, and collecting every error
// with its line and column so that all are reported at once. A loader derives from YamlReader and
// keeps only its own sections and keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace smtp_exporter::config {

// A YAML value, the dotted key that leads to it, and where errors about it point: the value
// itself, or its key when the value is empty (yaml-cpp marks an empty value at the next token).
struct Item {
  YAML::Node node;
  std::string key;
  YAML::Mark mark;
};

// One entry of a YAML map.
struct Field {
  std::string name;
  YAML::Mark name_mark;
  Item value;
};

// How quote() keeps a control character from breaking a message's line: as \xNN (the exporter
// config), or as "?" (what the web config's messages have always shown).
enum class ControlChars { escape, replace };

template <class T>
using Choices = std::initializer_list<std::pair<std::string_view, T>>;

class YamlReader {
 protected:
  YamlReader(std::string file, ControlChars control) : file_(std::move(file)), control_(control) {}

  const std::string& file() const { return file_; }

  // The document's root; nothing, after reporting the syntax error, if `yaml` is not YAML.
  std::optional<Item> parse(const std::string& yaml);

  void error(const YAML::Mark& mark, std::string key, std::string message);
  void error(const Item& item, std::string message) { error(item.mark, item.key, std::move(message)); }

  // A loader's result: its config only if nothing was wrong, and every error in file order.
  template <class Result, class Value>
  Result finish(Value config) {
    Result result;
    if (errors_.empty()) result.config = std::move(config);
    result.errors = sorted_errors();
    return result;
  }

  // Calls read(field) for each entry of the map `item`; read returns false for a name it does
  // not know. An empty value ("modules:") counts as an empty map. False if not a map at all.
  bool for_each_field(const Item& item, const std::function<bool(const Field&)>& read);

  // The elements of the sequence `item`; an empty value counts as an empty sequence.
  std::vector<Item> elements(const Item& item);

  // The text between quotes in messages, escaped so that a message stays on one line.
  std::string quote(std::string_view text) const;

  // --- Scalars. Each read() leaves `out` alone and returns false after reporting an error.

  std::optional<std::string> scalar(const Item& item);
  bool read(const Item& item, std::string& out);
  bool read(const Item& item, int& out, int min, int max);
  // YAML 1.2 booleans only: "yes" and "on" are too easily meant as something else.
  bool read(const Item& item, bool& out);

  // One of a few words; `expected` lists them for the message. `choices` is a braced list of
  // {word, value} pairs, or an array of them kept where both loaders see it (tls_version_words).
  template <class T, class Words = Choices<T>>
  bool read_choice(const Item& item, T& out, std::string_view expected, const Words& choices) {
    auto text = scalar(item);
    if (!text) return false;
    for (const auto& [word, value] : choices) {
      if (word == *text) {
        out = value;
        return true;
      }
    }
    error(item, "expected " + std::string(expected) + ", got " + quote(*text));
    return false;
  }

 private:
  std::vector<Error> sorted_errors();

  std::string file_;
  ControlChars control_;
  std::vector<Error> errors_;
};

}  // namespace smtp_exporter::config
