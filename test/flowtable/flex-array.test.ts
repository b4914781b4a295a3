import { describe, expect, it } from "vitest";
import { FlexArray, FlexInt32Array, PART_SIZE } from "../../src/flowtable/flex-array.js";

function contents<T>(a: FlexArray<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) out.push(a.get(i));
  return out;
}

describe("FlexArray", () => {
  it("starts with `length` slots holding the fill value", () => {
    const a = new FlexArray<number | null>(5, null);
    expect(a.length).toBe(5);
    expect(contents(a)).toEqual([null, null, null, null, null]);
    expect(new FlexArray<number>(0, 7).length).toBe(0);
  });

  it("gets and sets across part boundaries", () => {
    const n = PART_SIZE * 3 + 17;
    const a = new FlexArray<number>(n, -1);
    for (let i = 0; i < n; i++) a.set(i, i * 3);
    for (let i = 0; i < n; i++) expect(a.get(i)).toBe(i * 3);
    expect(a.get(PART_SIZE - 1)).toBe((PART_SIZE - 1) * 3);
    expect(a.get(PART_SIZE)).toBe(PART_SIZE * 3);
  });

  it("grows by adding parts, keeping old values and filling new slots", () => {
    const a = new FlexArray<number>(3, 0);
    a.set(0, 10);
    a.set(2, 12);
    a.resize(PART_SIZE * 2 + 1);
    expect(a.length).toBe(PART_SIZE * 2 + 1);
    expect(a.get(0)).toBe(10);
    expect(a.get(2)).toBe(12);
    expect(a.get(3)).toBe(0);
    expect(a.get(PART_SIZE)).toBe(0);
    expect(a.get(PART_SIZE * 2)).toBe(0);
    // Growing in several steps gives the same result as one step.
    const b = new FlexArray<number>(1, 0);
    for (let len = 2; len <= PART_SIZE * 2 + 1; len += 333) b.resize(len);
    b.resize(PART_SIZE * 2 + 1);
    expect(b.length).toBe(PART_SIZE * 2 + 1);
    expect(contents(b).every((v) => v === 0)).toBe(true);
  });

  it("shrinks, and growing again refills with the fill value", () => {
    const a = new FlexArray<string>(PART_SIZE + 10, "x");
    a.set(PART_SIZE + 5, "y");
    a.set(4, "z");
    a.resize(5);
    expect(a.length).toBe(5);
    expect(a.get(4)).toBe("z");
    a.resize(PART_SIZE + 10);
    expect(a.get(4)).toBe("z");
    expect(a.get(PART_SIZE + 5)).toBe("x");
    a.resize(0);
    expect(a.length).toBe(0);
  });

  it("fillAll overwrites every slot", () => {
    const a = new FlexArray<number>(PART_SIZE + 2, 1);
    a.fillAll(9);
    expect(contents(a).every((v) => v === 9)).toBe(true);
  });

  it("rejects a bad length", () => {
    expect(() => new FlexArray<number>(-1, 0)).toThrow(RangeError);
    expect(() => new FlexArray<number>(1.5, 0)).toThrow(RangeError);
  });
});

describe("FlexInt32Array", () => {
  it("starts zeroed, stores int32 values across parts", () => {
    const n = PART_SIZE * 2 + 3;
    const a = new FlexInt32Array(n);
    expect(a.length).toBe(n);
    for (let i = 0; i < n; i++) expect(a.get(i)).toBe(0);
    for (let i = 0; i < n; i++) a.set(i, (i * 2654435761) | 0);
    for (let i = 0; i < n; i++) expect(a.get(i)).toBe((i * 2654435761) | 0);
    a.set(0, 1 << 31);
    expect(a.get(0)).toBe(-2147483648);
  });

  it("keeps values when growing and shrinking, new slots are zero", () => {
    const a = new FlexInt32Array(5);
    for (let i = 0; i < 5; i++) a.set(i, i + 1);
    a.resize(PART_SIZE + 7);
    expect([0, 1, 2, 3, 4].map((i) => a.get(i))).toEqual([1, 2, 3, 4, 5]);
    expect(a.get(5)).toBe(0);
    expect(a.get(PART_SIZE + 6)).toBe(0);
    a.set(PART_SIZE + 6, 42);
    a.resize(3);
    expect(a.length).toBe(3);
    expect([0, 1, 2].map((i) => a.get(i))).toEqual([1, 2, 3]);
    a.resize(PART_SIZE + 7);
    expect(a.get(3)).toBe(0);
    expect(a.get(PART_SIZE + 6)).toBe(0);
  });
});
