import { describe, expect, it } from "vitest";
import { LocalRateLimit, descriptorOf } from "./local-ratelimit";

/** Envoy's local rate limit semantics (source/extensions/filters/common/local_ratelimit, router_ratelimit.cc). */
const bucket = (max: number, perFill: number, seconds: number) => ({ max_tokens: max, tokens_per_fill: { value: perFill }, fill_interval: { seconds } });
const req = (headers: Record<string, string> = {}) => ({ headers, remoteAddress: "10.0.0.9" });

describe("the demo sidecar's local rate limit", () => {
  it("spends a configured descriptor's bucket when the route's actions produce that descriptor; refills per fill interval", () => {
    const rl = new LocalRateLimit([{ actions: [{ generic_key: { descriptor_value: "Service[reviews.default]-Id[1]" } }] }], { token_bucket: bucket(100000, 100000, 1), descriptors: [{ entries: [{ key: "generic_key", value: "Service[reviews.default]-Id[1]" }], token_bucket: bucket(2, 2, 60) }] }, 0);
    const at = (ms: number) => rl.check(req(), ms).allowed;
    expect([at(0), at(1), at(2)]).toEqual([true, true, false]);
    expect(at(59_999)).toBe(false);
    expect([at(60_000), at(60_001), at(60_002)]).toEqual([true, true, false]);
  });

  it("a header match that fails drops the whole descriptor, and the request falls to the default bucket", () => {
    const rateLimits = [{ actions: [{ generic_key: { descriptor_value: "id" } }, { header_value_match: { descriptor_value: "id", headers: [{ name: "end-user", string_match: { exact: "jason" } }] } }] }];
    expect(descriptorOf(rateLimits[0]!, req({ "end-user": "jason" }))).toEqual([{ key: "generic_key", value: "id" }, { key: "header_match", value: "id" }]);
    expect(descriptorOf(rateLimits[0]!, req({ "end-user": "ann" }))).toBeUndefined();
    const rl = new LocalRateLimit(rateLimits, { token_bucket: bucket(1000, 1000, 1), descriptors: [{ entries: [{ key: "generic_key", value: "id" }, { key: "header_match", value: "id" }], token_bucket: bucket(1, 1, 60) }] }, 0);
    expect(rl.check(req({ "end-user": "jason" }), 0)).toEqual({ allowed: true, bucket: "generic_key=id,header_match=id" });
    expect(rl.check(req({ "end-user": "jason" }), 1).allowed).toBe(false);
    expect(rl.check(req({ "end-user": "ann" }), 2)).toEqual({ allowed: true, bucket: "default" });
  });

  it("when several descriptors match, the most restrictive bucket decides", () => {
    const rl = new LocalRateLimit(
      [{ actions: [{ generic_key: { descriptor_value: "a" } }] }, { actions: [{ generic_key: { descriptor_value: "b" } }] }],
      { token_bucket: bucket(1000, 1000, 1), descriptors: [{ entries: [{ key: "generic_key", value: "a" }], token_bucket: bucket(10, 10, 1) }, { entries: [{ key: "generic_key", value: "b" }], token_bucket: bucket(1, 1, 60) }] },
      0,
    );
    expect(rl.check(req(), 0)).toEqual({ allowed: true, bucket: "generic_key=b" });
    expect(rl.check(req(), 1)).toEqual({ allowed: false, bucket: "generic_key=b" });
  });
});
