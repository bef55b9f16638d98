# Helpers for scripts/test.sh: install what the project needs when it is missing.
# Everything the tests need comes from the npm registry or Debian's apt archive.

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $* (install it yourself, or run as root)" >&2; return 1; fi
}

apt_install() {
  step "installing $* from Debian's archive"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

node_check() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Sextant needs Node.js >= 20.19; this is "+process.version); process.exit(1) }'
}

npm_deps() {
  # Install from the lock file when node_modules is missing or older than it.
  # `npm install`, not `npm ci`: registry mirrors that serve only this
  # platform's optional binaries (@next/swc-darwin-*, ...) leave those out of
  # the lock file, and `npm ci` refuses such a lock; `npm install` accepts it
  # and keeps every version the lock pins.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm dependencies (npm install from package-lock.json)"
    npm install --no-audit --no-fund
  fi
}

ensure_chromium() {
  CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$CHROMIUM_PATH" ]; then apt_install chromium; fi
  export CHROMIUM_PATH
}

ensure_postgres() {
  # Store tests run against a real PostgreSQL (default 127.0.0.1:5432, user postgres, trust auth);
  # SEXTANT_TEST_POSTGRES_URL points them elsewhere.
  if [ -n "${SEXTANT_TEST_POSTGRES_URL:-}" ]; then return 0; fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  step "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  echo "PostgreSQL is not answering on 127.0.0.1:5432; set SEXTANT_TEST_POSTGRES_URL to a server the tests may create databases on" >&2
  return 1
}

ensure_re2_reference() {
  # server/intents/re2.test.ts compares Sextant's RE2 (wasm) with Debian's native libre2.
  if ! command -v g++ >/dev/null 2>&1 || [ ! -f /usr/include/re2/re2.h ]; then apt_install g++ libre2-dev; fi
  RE2_NATIVE_BIN="$PWD/.sextant-cache/re2-native"
  if [ ! -x "$RE2_NATIVE_BIN" ] || [ tools/re2/native_check.cc -nt "$RE2_NATIVE_BIN" ]; then
    mkdir -p .sextant-cache
    g++ -O1 -std=c++17 tools/re2/native_check.cc -lre2 -o "$RE2_NATIVE_BIN"
  fi
  export RE2_NATIVE_BIN
}

ensure_sshd() {
  # Git over SSH is tested against a real OpenSSH server on loopback (Debian's package; not started as a service).
  if [ ! -x /usr/sbin/sshd ]; then apt_install openssh-server; fi
}

ensure_prometheus() {
  # The Prometheus path is tested against a real Prometheus (Debian's package).
  PROMETHEUS_BIN="${PROMETHEUS_BIN:-/usr/bin/prometheus}"
  if [ ! -x "$PROMETHEUS_BIN" ]; then apt_install prometheus; fi
  export PROMETHEUS_BIN
}
