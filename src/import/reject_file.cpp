#include "import/reject_file.hpp"

#include <cerrno>
#include <system_error>

namespace guestd::import {

reject_file::~reject_file() {
    if (file_ != nullptr) std::fclose(file_);
}

void reject_file::write(std::uint64_t line, std::string_view reason, std::string_view raw) {
    // Create the file with its header on the first reject
    if (file_ == nullptr) {
        file_ = std::fopen(path_.c_str(), "wb");
        if (file_ == nullptr) throw std::system_error(errno, std::generic_category(), "cannot create " + path_);
        row_ = "line,reason,raw\n";
    } else {
        row_.clear();
    }

    // One row, quoted as RFC 4180 wants
    row_ += std::to_string(line);
    row_ += ',';
    append_csv_cell(row_, reason);
    row_ += ',';
    append_csv_cell(row_, truncate_utf8(raw, max_reject_raw_bytes));
    row_ += '\n';
    if (std::fwrite(row_.data(), 1, row_.size(), file_) != row_.size())
        throw std::system_error(errno, std::generic_category(), "cannot write " + path_);
    ++count_;
}

void reject_file::close() {
    if (file_ == nullptr) return;
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) throw std::system_error(errno, std::generic_category(), "cannot write " + path_);
}

void append_csv_cell(std::string& out, std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += s;
        return;
    }
    out += '"';
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string_view truncate_utf8(std::string_view s, std::size_t max) noexcept {
    if (s.size() <= max) return s;
    // Back off over continuation bytes (at most three) so the cut lands on a sequence's first byte
    std::size_t cut = max;
    for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80; ++k) --cut;
    return s.substr(0, cut);
}

}  // namespace guestd::import
