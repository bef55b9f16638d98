// RE2, as Envoy uses it to accept a regex (source/common/common/regex.cc:
// RE2(regex, RE2::Quiet), refused if !ok(), then ProgramSize() against
// re2.max_program_size.error_level). Built to WebAssembly by build.sh; loaded
// by server/intents/re2.ts.
#include <cstdlib>
#include <string>
#include "re2/re2.h"

static std::string last_error;

extern "C" {

// The pattern is UTF-8, n bytes at p. Returns the program size, or -1 - RE2's
// error code when the pattern does not compile (sx_error() then says why).
__attribute__((export_name("sx_program_size"))) int sx_program_size(const char* p, int n) {
  re2::RE2 re(re2::StringPiece(p, static_cast<size_t>(n)), re2::RE2::Quiet);
  if (!re.ok()) {
    last_error = re.error();
    return -1 - static_cast<int>(re.error_code());
  }
  last_error.clear();
  return re.ProgramSize();
}

// RE2's message for the last pattern that did not compile, NUL-terminated.
__attribute__((export_name("sx_error"))) const char* sx_error() { return last_error.c_str(); }

__attribute__((export_name("sx_alloc"))) void* sx_alloc(int n) { return std::malloc(static_cast<size_t>(n)); }
__attribute__((export_name("sx_free"))) void sx_free(void* p) { std::free(p); }

}
