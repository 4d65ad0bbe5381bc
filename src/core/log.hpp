// Structured logging: one JSON object per line on stderr. Callers pass only fields that are safe to show an
// operator; secrets (passwords, tokens, codes, partner secrets) are never handed to the logger.
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace guestd::core {

enum class log_level { debug, info, warn, error };

/// Sets the lowest level written; default info.
void set_log_level(log_level level);

/// True when a line at this level is written: lets a caller skip building fields nobody will read.
bool log_enabled(log_level level);

/// Writes {"ts": ..., "level": ..., "event": ..., ...fields} as one line to stderr, atomically. The line is always
/// valid JSON: a byte of a string that is not part of well-formed UTF-8 is written as \ufffd.
void log(log_level level, std::string_view event, boost::json::object fields = {});

}  // namespace guestd::core
