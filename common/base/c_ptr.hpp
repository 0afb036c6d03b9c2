// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/c_ptr.hpp: unique ownership of C library objects. Wrap the pointer on the
// line of the C call that returns it; .get() only in C calls; .release() only where a C API
// takes ownership, with a comment naming that API. Header-only.
#pragma once

#include <memory>

namespace cachet {

template <auto FreeFn>
struct CallFree {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) FreeFn(p);
  }
};

template <class T, auto FreeFn>
using CPtr = std::unique_ptr<T, CallFree<FreeFn>>;

}  // namespace cachet
