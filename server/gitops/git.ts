import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The edge to Git: the `git` command line (Debian's package), never hand-written Git objects.
 * Credentials go through the environment (GIT_CONFIG_* for an HTTP header, GIT_SSH_COMMAND for a
 * key file), never on a command line or in a URL, and every message is scrubbed of them.
 */
export interface GitAuth {
  kind: "none" | "token" | "ssh-key";
  secret?: string;
}

export class GitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}

export class Git {
  private readonly env: Record<string, string | undefined>;
  private readonly secrets: string[];

  constructor(
    readonly dir: string,
    auth: GitAuth,
    private readonly keyFile?: string,
  ) {
    this.secrets = auth.secret ? [auth.secret, Buffer.from(`x-access-token:${auth.secret}`).toString("base64")] : [];
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", LANG: "C" };
    if (auth.kind === "token" && auth.secret) {
      // GitHub, GitLab and plain smart-HTTP servers take the token as basic auth.
      env.GIT_CONFIG_COUNT = "1";
      env.GIT_CONFIG_KEY_0 = "http.extraHeader";
      env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${auth.secret}`).toString("base64")}`;
    }
    if (auth.kind === "ssh-key" && keyFile) {
      // The host key is trusted on first use and kept beside the key (in Sextant's data directory,
      // not ~/.ssh, which a read-only container cannot write): a changed host key is then refused.
      const q = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
      const knownHosts = `${keyFile.replace(/\.key$/, "")}.known_hosts`;
      env.GIT_SSH_COMMAND = `ssh -F /dev/null -i ${q(keyFile)} -o IdentitiesOnly=yes -o UserKnownHostsFile=${q(knownHosts)} -o StrictHostKeyChecking=accept-new -o BatchMode=yes -o ConnectTimeout=20`;
    }
    this.env = env;
  }

  scrub(s: string): string {
    let out = s;
    for (const x of this.secrets) out = out.split(x).join("***");
    // URLs with credentials in them, whatever Git echoes back.
    return out.replace(/(https?:\/\/)[^/@\s]+@/g, "$1***@");
  }

  run(args: string[], opts: { cwd?: string; input?: string } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile("git", args, { cwd: opts.cwd ?? this.dir, env: this.env as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
        if (err) reject(new GitError(this.scrub(`git ${args[0]} failed: ${(stderr || err.message).trim()}`), this.scrub(stderr)));
        else resolve(stdout);
      });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  }

  /** A working copy of `url` at `dir`: cloned once, fetched after; returns whether `branch` exists on the remote. */
  async sync(url: string, branch: string): Promise<{ exists: boolean; head: string }> {
    if (!fs.existsSync(path.join(this.dir, ".git"))) {
      fs.mkdirSync(this.dir, { recursive: true });
      await this.run(["init", "-q"]);
      await this.run(["remote", "add", "origin", url]);
    } else await this.run(["remote", "set-url", "origin", url]);
    const refs = await this.run(["ls-remote", "--heads", "origin", branch]);
    const exists = refs.trim().length > 0;
    if (exists) {
      await this.run(["fetch", "-q", "--no-tags", "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
      await this.run(["checkout", "-q", "-B", branch, `refs/remotes/origin/${branch}`]);
      await this.run(["reset", "-q", "--hard", `refs/remotes/origin/${branch}`]);
    } else {
      await this.run(["checkout", "-q", "--orphan", `sextant-empty-${Date.now()}`]).catch(() => undefined);
      await this.run(["rm", "-rq", "--cached", "--ignore-unmatch", "."]);
    }
    await this.run(["clean", "-qfdx"]);
    const head = exists ? (await this.run(["rev-parse", `refs/remotes/origin/${branch}`])).trim() : "";
    return { exists, head };
  }
}
