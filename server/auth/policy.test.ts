import { describe, expect, it } from "vitest";
import { LoginThrottle, MemoryFailureLog } from "./throttle";
import { UnsafeListenError, decideMode, isLoopback, listenHost } from "./policy";
import { hashPassword, verifyPassword } from "./passwords";

describe("anonymous access only where it is safe", () => {
  it("reads where next start listens: -H, --hostname, --hostname=; all interfaces by default", () => {
    expect(listenHost(["node", "node_modules/next/dist/bin/next", "start", "-p", "3000", "-H", "127.0.0.1"], {})).toBe("127.0.0.1");
    expect(listenHost(["node", "next", "start", "--hostname=0.0.0.0"], {})).toBe("0.0.0.0");
    expect(listenHost(["node", "node_modules/next/dist/bin/next", "start"], { HOSTNAME: "127.0.0.1" })).toBe("0.0.0.0");
    // Next's standalone server.js binds HOSTNAME.
    expect(listenHost(["node", "server.js"], { HOSTNAME: "::1" })).toBe("::1");
  });

  it("anonymous on loopback; refuses elsewhere with how to configure sign-in; SEXTANT_AUTH=anonymous insists", () => {
    for (const h of ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "example.com"]) expect(isLoopback(h)).toBe(false);
    expect(decideMode(undefined, "127.0.0.1")).toBe("anonymous");
    expect(() => decideMode(undefined, "0.0.0.0")).toThrow(UnsafeListenError);
    expect(() => decideMode(undefined, "0.0.0.0")).toThrow(/SEXTANT_ADMIN_PASSWORD.*\n.*\n.*SEXTANT_AUTH=anonymous/s);
    expect(decideMode("anonymous", "0.0.0.0")).toBe("anonymous");
    expect(decideMode("local", "127.0.0.1")).toBe("local");
  });
});

describe("sign-in throttling", () => {
  it("refuses after 5 failures within the window until the oldest leaves it; a success clears the user", async () => {
    let now = 0;
    const t = new LoginThrottle(new MemoryFailureLog(), 5, 60_000, () => now);
    for (let i = 0; i < 5; i++) {
      expect(await t.retryAfter(["user:a", "addr:1"])).toBe(0);
      await t.fail(["user:a", "addr:1"]);
      now += 1000;
    }
    expect(await t.retryAfter(["user:a"])).toBe(55);
    expect(await t.retryAfter(["user:b", "addr:1"])).toBe(55);
    now = 60_001;
    expect(await t.retryAfter(["user:a"])).toBe(0);
    await t.succeed("user:a");
    expect(await t.retryAfter(["user:a"])).toBe(0);
  });
});

describe("password hashes", () => {
  it("scrypt: verifies the password and nothing else; salted", async () => {
    const a = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await hashPassword("correct horse battery staple")).not.toBe(a);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", a)).toBe(false);
    expect(await verifyPassword("x", "plain")).toBe(false);
  });
});
