// SPDX-License-Identifier: BSD-2-Clause
// common/base/gzip.cpp: see gzip.hpp.
#include "common/base/gzip.hpp"

#include <zlib.h>

#include <memory>

namespace cachet {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // zlib: +16 selects the gzip wrapper
constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

Result<std::string> gzip_compress(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return fail(Errc::internal, "deflateInit2 failed");
  const std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, &deflateEnd);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));  // zlib does not write through next_in
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) return fail(Errc::internal, "deflate did not finish");
  out.resize(z.total_out);
  return out;
}

Result<std::string> gunzip(std::string_view data, std::size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK) return fail(Errc::internal, "inflateInit2 failed");
  const std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, &inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const std::size_t have = out.size();
    out.resize(have + kChunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + have);
    z.avail_out = static_cast<uInt>(kChunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(have + kChunk - z.avail_out);
    if (out.size() > max_bytes) return fail(Errc::bad_input, "gzip data larger than the limit");
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  if (rc != Z_STREAM_END || z.avail_in != 0) return fail(Errc::bad_input, "not one complete gzip member");
  return out;
}

}  // namespace cachet
