// Reading the files the configuration names: the config file itself, the web config, a
// password_file.
#pragma once

#include <optional>
#include <string>

namespace smtp_exporter::util {

// The whole file at `path`; nullopt with errno set if it cannot be read, so that the caller's
// message can say why (std::strerror(errno)). stdio rather than iostreams: it reports a folder
// or a read error through errno.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace smtp_exporter::util
