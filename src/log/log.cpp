#include "log/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace smtp_exporter::log {
namespace {

Format g_format = Format::logfmt;
std::shared_ptr<spdlog::logger> g_logger;

constexpr std::string_view level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

spdlog::level::level_enum to_spdlog(Level l) {
  switch (l) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// JSON string body escaping; also used for quoted logfmt values (same rules suffice).
void append_escaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void append_logfmt_value(std::string& out, std::string_view v) {
  const bool quote = v.empty() || v.find_first_of(" =\"\\\t\r\n") != std::string_view::npos;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  append_escaped(out, v);
  out += '"';
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool parse_format(std::string_view text, Format& out) {
  if (text == "logfmt") out = Format::logfmt;
  else if (text == "json") out = Format::json;
  else return false;
  return true;
}

void init(Level level, Format format) {
  g_format = format;
  g_logger = std::make_shared<spdlog::logger>("smtp_exporter", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  g_logger->set_pattern("%v");
  g_logger->set_level(to_spdlog(level));
  g_logger->flush_on(spdlog::level::debug);
}

bool enabled(Level level) { return g_logger && g_logger->should_log(to_spdlog(level)); }

std::string format_line(Format format, Level level, std::string_view msg, Fields fields) {
  std::string line;
  line.reserve(128);
  if (format == Format::json) {
    line += "{\"ts\":\"" + timestamp() + "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"msg\":\"";
    append_escaped(line, msg);
    line += '"';
    for (const auto& [k, v] : fields) {
      line += ",\"";
      append_escaped(line, k);
      line += "\":\"";
      append_escaped(line, v);
      line += '"';
    }
    line += '}';
    return line;
  }
  line += "ts=" + timestamp() + " level=";
  line += level_name(level);
  line += " msg=";
  append_logfmt_value(line, msg);
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    append_logfmt_value(line, v);
  }
  return line;
}

void write(Level level, std::string_view msg, Fields fields) {
  if (!enabled(level)) return;
  g_logger->log(to_spdlog(level), "{}", format_line(g_format, level, msg, fields));
}

}  // namespace smtp_exporter::log
