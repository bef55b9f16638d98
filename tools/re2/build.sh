#!/usr/bin/env bash
# Rebuilds server/intents/re2.wasm: RE2 (Debian bookworm's source,
# 20220601, the same version as its libre2 that the tests compare with) compiled
# to WebAssembly with Debian's emscripten, exporting what Envoy asks of RE2:
# whether a pattern compiles (and RE2's message if not) and its program size.
# Only needed to change that file; the tests and the console use the committed
# build.
#   apt-get install -y emscripten unicode-data curl xz-utils perl python3
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../server/intents/re2.wasm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
curl -sSfLO "http://deb.debian.org/debian/pool/main/r/re2/re2_20220601+dfsg.orig.tar.xz"
echo "3bc61251da3b0b97be40a8a127818c517c62516e4eda11fc901d29496663df54  re2_20220601+dfsg.orig.tar.xz" | sha256sum -c -
tar xf re2_20220601+dfsg.orig.tar.xz
cd re2-2022-06-01
# Debian's source leaves out the generated Unicode and Perl tables; generate them as Debian's build
# does, from Debian's unicode-data.
sed -i 's#_UNICODE_DIR = "https://www.unicode.org/Public/14.0.0/ucd"#_UNICODE_DIR = "/usr/share/unicode"#' re2/unicode.py
(cd re2 && python3 make_unicode_casefold.py > unicode_casefold.cc && python3 make_unicode_groups.py > unicode_groups.cc && perl make_perl_groups.pl > perl_groups.cc)
srcs=(re2/bitstate.cc re2/compile.cc re2/dfa.cc re2/filtered_re2.cc re2/mimics_pcre.cc re2/nfa.cc re2/onepass.cc re2/parse.cc re2/perl_groups.cc
  re2/prefilter.cc re2/prefilter_tree.cc re2/prog.cc re2/re2.cc re2/regexp.cc re2/set.cc re2/simplify.cc re2/stringpiece.cc re2/tostring.cc
  re2/unicode_casefold.cc re2/unicode_groups.cc util/rune.cc util/strutil.cc)
em++ -O2 -std=c++11 -DNDEBUG -I. "${srcs[@]}" "$here/program_size.cc" \
  -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sFILESYSTEM=0 --no-entry -o "$out"
ls -l "$out"
