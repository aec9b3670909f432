// Structured logging in the Prometheus style: logfmt (default) or JSON lines on stderr.
// spdlog does the levels and the sink; this file only formats the fields.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace smtp_exporter::log {

enum class Level { debug, info, warn, error };
enum class Format { logfmt, json };

using Field = std::pair<std::string_view, std::string_view>;
using Fields = std::initializer_list<Field>;

// Parses "debug"/"info"/"warn"/"error" and "logfmt"/"json"; false if unknown.
bool parse_level(std::string_view text, Level& out);
bool parse_format(std::string_view text, Format& out);

void init(Level level, Format format);
bool enabled(Level level);

// One line: ts=... level=... msg=... key=value...
std::string format_line(Format format, Level level, std::string_view msg, Fields fields);
void write(Level level, std::string_view msg, Fields fields = {});

inline void debug(std::string_view msg, Fields f = {}) { write(Level::debug, msg, f); }
inline void info(std::string_view msg, Fields f = {}) { write(Level::info, msg, f); }
inline void warn(std::string_view msg, Fields f = {}) { write(Level::warn, msg, f); }
inline void error(std::string_view msg, Fields f = {}) { write(Level::error, msg, f); }

}  // namespace smtp_exporter::log
