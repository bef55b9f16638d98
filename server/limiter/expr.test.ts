import { describe, expect, it } from "vitest";
import { ExpressionError, evaluateExpression, parseExpression, variables } from "./expr";

const vars = { "_base.pod": 4, "_base.cpu.sum": 0.85, "v1.rt99": 120, "v1.pod": 0 };
const ev = (s: string) => evaluateExpression(s, vars);
const err = (s: string, v: Record<string, number | undefined> = vars) => {
  try {
    evaluateExpression(s, v);
  } catch (e) {
    if (e instanceof ExpressionError) return { position: e.position, reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error(`no error for ${s}`);
};

describe("SmartLimiter expressions", () => {
  it("evaluates Slime's template form, with real decimals where Slime truncates", () => {
    expect(ev("100")).toBe(100);
    expect(ev("100/{{._base.pod}}")).toBe(25);
    expect(ev("10/{{._base.pod}}")).toBe(2.5);
    expect(ev("{{._base.pod}}*0.8")).toBeCloseTo(3.2);
    expect(ev("0.8")).toBe(0.8);
    expect(ev(".5 + 1.25")).toBe(1.75);
    expect(ev("true")).toBe(true);
    expect(ev("{{._base.cpu.sum}}>0.8")).toBe(true);
  });

  it("allows spaces anywhere between tokens, and inside the braces", () => {
    expect(ev(" 100 / {{ ._base.pod }} ")).toBe(25);
    expect(ev("{{._base.cpu.sum}} > 0.8 and {{.v1.rt99}} >= 100")).toBe(true);
  });

  it("follows precedence: * / % before + -, comparisons before and, and before or", () => {
    expect(ev("2 + 3 * 4")).toBe(14);
    expect(ev("(2 + 3) * 4")).toBe(20);
    expect(ev("10 - 4 - 3")).toBe(3);
    expect(ev("100 / 10 / 2")).toBe(5);
    expect(ev("7 % 4 * 2")).toBe(6);
    expect(ev("-2 * -3")).toBe(6);
    expect(ev("1 < 2 || 3 > 4 && false")).toBe(true);
    expect(ev("(1 < 2 || 3 > 4) && false")).toBe(false);
    expect(ev("not (1 == 1) or 2 != 3")).toBe(true);
    expect(ev("!false && {{.v1.rt99}} <= 120")).toBe(true);
  });

  it("short-circuits and/or, so the other side's errors do not matter once decided", () => {
    expect(ev("{{.v1.pod}} > 0 && 10 / {{.v1.pod}} > 1")).toBe(false);
  });

  it("rejects division by zero, naming the expression and the position of the operator", () => {
    const e = err("100/{{.v1.pod}}");
    expect(e.reason).toBe("division by zero");
    expect(e.position).toBe(4);
    expect(e.message).toContain('"100/{{.v1.pod}}"');
    expect(err("5 % 0").reason).toBe("division by zero");
  });

  it("rejects unknown variables, listing the known ones", () => {
    const e = err("{{._base.memory.sum}} > 1");
    expect(e.position).toBe(1);
    expect(e.reason).toContain("unknown variable {{._base.memory.sum}}");
    expect(e.reason).toContain("{{._base.pod}}");
  });

  it("rejects bad syntax with the position of the problem", () => {
    expect(err("100 /").position).toBe(6);
    expect(err("100 /").reason).toMatch(/expected a number.*found the end/);
    expect(err("(1 + 2").reason).toMatch(/expected '\)'/);
    expect(err("1 + 2)").position).toBe(6);
    expect(err("{{._base.pod").reason).toMatch(/not closed/);
    expect(err("{{ _base.pod }}").reason).toMatch(/is not a variable/);
    expect(err("1 < 2 < 3").reason).toMatch(/cannot be chained/);
    expect(err("cpu > 1").reason).toMatch(/unknown word "cpu"/);
    expect(err("1 $ 2").position).toBe(3);
    expect(err("").reason).toBe("the expression is empty");
    expect(err("   ").reason).toBe("the expression is empty");
  });

  it("refuses expressions too long or too deeply nested to be real (and keeps the stack safe)", () => {
    expect(err("1+".repeat(600) + "1").reason).toBe("longer than 1000 characters");
    expect(err("(".repeat(65) + "1" + ")".repeat(65)).reason).toBe("parentheses nested deeper than 64");
    expect(err("-".repeat(65) + "1").reason).toBe("more than 64 signs or nots in a row");
    expect(ev("(".repeat(60) + "1" + ")".repeat(60))).toBe(1);
  });

  it("rejects mixing numbers and booleans", () => {
    expect(err("true + 1").reason).toMatch(/'\+' needs a number/);
    expect(err("1 && true").reason).toMatch(/needs true or false/);
    expect(err("1 == true").reason).toMatch(/compares number with boolean/);
  });

  it("lists the variables an expression reads", () => {
    expect(variables(parseExpression("{{.v1.rt99}} > 100 && {{._base.pod}} > 0 || {{.v1.rt99}} < 1"))).toEqual(["_base.pod", "v1.rt99"]);
  });
});
