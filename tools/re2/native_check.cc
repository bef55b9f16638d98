// The reference for server/intents/re2.test.ts: Debian's native libre2,
// asked what Envoy asks (RE2(pattern, RE2::Quiet); ok(); ProgramSize()).
// Reads patterns as "<byte length>\n<bytes>" from stdin; prints one line per
// pattern: the program size, or "error <code> <message>".
#include <iostream>
#include <string>
#include "re2/re2.h"

int main() {
  std::ios::sync_with_stdio(false);
  size_t n;
  while (std::cin >> n) {
    std::cin.get();
    std::string p(n, '\0');
    std::cin.read(&p[0], static_cast<std::streamsize>(n));
    re2::RE2 re(p, re2::RE2::Quiet);
    if (re.ok()) std::cout << re.ProgramSize() << "\n";
    else std::cout << "error " << re.error_code() << " " << re.error() << "\n";
  }
  return 0;
}
