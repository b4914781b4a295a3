/**
 * Property: printing an action list and parsing the text back gives the same
 * list (parse ∘ format = id on the lists ovs-ofctl text can express).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatActions, parseActions } from "../../src/actions/action-text.js";
import { actionLists, propertyRuns } from "../../src/testing/index.js";

describe("action text round trip", () => {
  it("parse(format(actions)) == actions", () => {
    fc.assert(
      fc.property(actionLists(), (list) => {
        const text = formatActions(list);
        expect(parseActions(text === "drop" ? "" : text)).toEqual(list);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it("format is a fixed point after one parse (format(parse(format(x))) == format(x))", () => {
    fc.assert(
      fc.property(actionLists(), (list) => {
        const text = formatActions(list);
        expect(formatActions(parseActions(text))).toBe(text);
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
