import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A real Git server over SSH for tests: OpenSSH's sshd (Debian's openssh-server, installed by
 * scripts/test.sh) on loopback with its own host key, accepting one generated client key and no
 * password, serving bare repositories by path (`ssh://user@127.0.0.1:port/abs/repo.git`), as a
 * Git host's SSH endpoint does.
 */
export interface SshGit {
  port: number;
  user: string;
  /** The client's private key (OpenSSH format), what an operator pastes into a target. */
  privateKey: string;
  /** The address of a bare repository on this machine, by its absolute path. */
  url(repo: string): string;
  /** The log sshd wrote (for assertions that a login happened, or did not). */
  log(): string;
  close(): Promise<void>;
}

const SSHD = process.env.SSHD_BIN ?? "/usr/sbin/sshd";

export function sshdAvailable(): boolean {
  return fs.existsSync(SSHD);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => {
        c.destroy();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen: ${log()}`);
}

export async function startSshGit(): Promise<SshGit> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sextant-sshd-"));
  const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sextant-test", "-f", file]);
  keygen(path.join(dir, "host"));
  keygen(path.join(dir, "client"));
  fs.copyFileSync(path.join(dir, "client.pub"), path.join(dir, "authorized_keys"));
  const user = os.userInfo().username;
  const port = await freePort();
  // sshd runs as root here (privilege separation needs its directory) or as the user it serves.
  if (process.getuid?.() === 0) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${path.join(dir, "host")}`,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    "StrictModes no",
    "UsePAM no",
    `AllowUsers ${user}`,
    "LogLevel VERBOSE",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "sshd_config"), `${config}\n`);
  let output = "";
  const child = spawn(SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  await listening(port, child, () => output);
  return {
    port,
    user,
    privateKey: fs.readFileSync(path.join(dir, "client"), "utf8"),
    url: (repo) => `ssh://${user}@127.0.0.1:${port}${repo}`,
    log: () => output,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
