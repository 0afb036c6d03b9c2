// SPDX-License-Identifier: BSD-2-Clause
// common/milter/buffers.cpp: see buffers.hpp.
#include "common/milter/buffers.hpp"

#include <algorithm>

#include "common/base/strings.hpp"

namespace cachet::milter {

Result<void> HeaderList::add(std::string_view name, std::string_view value) {
  if (fields_.size() >= kMaxHeaderFields)
    return fail(Errc::bad_input, "more than " + std::to_string(kMaxHeaderFields) + " header fields");
  const std::size_t add = name.size() + value.size();
  if (add > kMaxHeaderBytes - bytes_)
    return fail(Errc::bad_input, "header section above " + std::to_string(kMaxHeaderBytes) + " bytes");
  fields_.push_back(HeaderField{std::string(name), std::string(value)});
  bytes_ += add;
  return {};
}

const HeaderField* HeaderList::find(std::string_view name, int occurrence) const noexcept {
  int seen = 0;
  for (const auto& f : fields_)
    if (iequals(f.name, name) && ++seen == occurrence) return &f;
  return nullptr;
}

std::size_t HeaderList::count(std::string_view name) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }));
}

void CappedBodyBuffer::write(std::string_view chunk) {
  total_ += chunk.size();
  if (data_.size() < cap_) data_.append(chunk.substr(0, cap_ - data_.size()));
}

}  // namespace cachet::milter
