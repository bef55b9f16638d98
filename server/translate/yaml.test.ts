import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { scalar, toYaml, toYamlDocument } from "./yaml";

describe("the YAML emitter", () => {
  it("writes block style with sequences indented under their key", () => {
    expect(toYamlDocument({ spec: { hosts: ["a"], http: [{ route: [{ destination: { host: "a", subset: "v1" }, weight: 20 }] }] } })).toBe(
      ["spec:", "  hosts:", "    - a", "  http:", "    - route:", "        - destination:", "            host: a", "            subset: v1", "          weight: 20", ""].join("\n"),
    );
  });

  it.each(["true", "False", "null", "~", "yes", "on", "123", "1.5", "0x1F", "1e3", ".inf", "-1", "5xx,reset", "^/beta/.*", "a: b", "a #b", " padded", "", "multi\nline", "quote\"s", "[x]", "{x}", "*alias", "&anchor", "!tag", "%d", "@x", "`x", "- x", "?x", "7s", "0.5s", "100ms", "1:20"])(
    "quotes %j so it reads back as the same string",
    (s) => {
      expect(YAML.parse(`k: ${scalar(s)}`).k).toBe(s);
    },
  );

  it("writes plain what is unambiguous", () => {
    for (const s of ["reviews", "reviews.default.svc.cluster.local", "app.kubernetes.io/managed-by", "end-user", "v1", "7s", "networking.istio.io/v1", "ROUND_ROBIN"]) {
      expect(scalar(s)).toBe(s);
    }
  });

  it("round-trips nested data, empty collections, numbers, booleans and null", () => {
    const data = [
      { a: { b: [1, 2.5, -3, { c: true, d: null, e: [] , f: {} }], g: [[1, 2], ["x"]] }, "weird key": "v", "7": "seven" },
      { apiVersion: "networking.istio.io/v1", kind: "VirtualService", spec: { http: [{ match: [{ uri: { regex: "^/(a|b)$" } }], fault: { abort: { percentage: { value: 100 }, httpStatus: 500 } } }] } },
    ];
    const text = toYaml(data);
    expect(YAML.parseAllDocuments(text).map((d) => d.toJS())).toEqual(data);
  });
});
