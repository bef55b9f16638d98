import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A throwaway certificate authority for tests, made with the openssl command line: a CA, then
 * certificates it signs with the subject alternative names asked for (Istio's workload
 * certificates carry a SPIFFE URI; servers a DNS name or IP).
 */
export interface Pki {
  ca: string;
  issue(name: string, sans: string[]): { cert: string; key: string };
  cleanup(): void;
}

export function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-pki-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/O=sextant-test/CN=test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  let n = 0;
  return {
    ca: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    issue(name, sans) {
      const base = `c${n++}`;
      fs.writeFileSync(path.join(dir, `${base}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${sans.join(",")}\n`);
      ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/O=sextant-test/CN=${name}`);
      ssl("x509", "-req", "-in", `${base}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${base}.pem`, "-days", "1", "-extfile", `${base}.ext`);
      return { cert: fs.readFileSync(path.join(dir, `${base}.pem`), "utf8"), key: fs.readFileSync(path.join(dir, `${base}.key`), "utf8") };
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
