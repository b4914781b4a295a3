/**
 * The crash class stays closed (docs/reliability.md): no table is looked up
 * by a string key on a plain object, whose prototype would answer
 * `constructor`, `__proto__` or `toString` with what Object has, and no `in`
 * test on one. Checked with TypeScript's type checker on src/: every element
 * access `obj[key]` whose key is typed `string` (or a cast) on an object
 * that is not an array or string, and every `key in obj` with a string key,
 * must be one of the reviewed forms:
 *
 * - guarded by `Object.hasOwn(obj, key)` in the same expression;
 * - on a table built by `ownTable(...)` (an object without a prototype).
 *
 * Tables keyed by user input are Maps (`table.get(name)`), which this check
 * does not see because they are safe. src/agent and src/cloud are checked
 * too: their mirrors of Neutron's dicts are Maps, or read through
 * `ownValue` (src/agent/own.ts) where the record is on the wire or in the
 * cloud file (bridge_mappings, fdb entries). src/cli is left out.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SRC = join(ROOT, "src");
const NOT_CHECKED = new Set(["cli"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return NOT_CHECKED.has(n) && dir === SRC ? [] : sourceFiles(p);
    return p.endsWith(".ts") && p !== join(SRC, "index.ts") ? [p] : [];
  });
}

function isStringish(t: ts.Type): boolean {
  if (t.isUnion()) return t.types.some(isStringish);
  return (t.flags & (ts.TypeFlags.String | ts.TypeFlags.Any | ts.TypeFlags.TemplateLiteral)) !== 0;
}

/** Is `node` inside `Object.hasOwn(obj, key) ? ... : ...` (or `&&`) guarding the same obj and key? */
function ownGuarded(node: ts.ElementAccessExpression): boolean {
  const obj = node.expression.getText();
  const key = node.argumentExpression.getText();
  for (let p: ts.Node | undefined = node.parent; p !== undefined && !ts.isFunctionLike(p); p = p.parent) {
    const cond = ts.isConditionalExpression(p) ? p.condition : ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? p.left : undefined;
    if (cond !== undefined && new RegExp(`Object\\.hasOwn\\(\\s*${escape(obj)}\\s*,\\s*${escape(key)}\\s*\\)`).test(cond.getText())) return true;
  }
  return false;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Is the table `expr` names declared as `ownTable(...)` (following imports)? */
function isOwnTable(expr: ts.Expression, checker: ts.TypeChecker): boolean {
  let sym = checker.getSymbolAtLocation(expr);
  if (sym !== undefined && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  const decl = sym?.valueDeclaration;
  return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && /^ownTable\(/.test(decl.initializer.getText());
}

describe("no lookups by string key on plain objects in src/", () => {
  it("every such lookup is an own-property check or an ownTable", () => {
    const files = sourceFiles(SRC);
    const config = ts.readConfigFile(join(ROOT, "tsconfig.json"), (p) => ts.sys.readFile(p));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram(files, { ...options, noEmit: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const found: string[] = [];
    for (const sf of program.getSourceFiles()) {
      if (!sf.fileName.startsWith(SRC) || !files.includes(sf.fileName)) continue;
      const where = (n: ts.Node): string => `${relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.getText().slice(0, 80)}`;
      const visit = (n: ts.Node): void => {
        if (ts.isElementAccessExpression(n)) {
          const objType = checker.getTypeAtLocation(n.expression);
          const indexed = checker.isArrayType(objType) || checker.isTupleType(objType) || /Array|Buffer|^string$/.test(checker.typeToString(objType));
          const key = n.argumentExpression;
          if (!indexed && (isStringish(checker.getTypeAtLocation(key)) || ts.isAsExpression(key)) && !ownGuarded(n) && !isOwnTable(n.expression, checker)) {
            found.push(where(n));
          }
        }
        if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.InKeyword && isStringish(checker.getTypeAtLocation(n.left))) found.push(where(n));
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(found).toEqual([]);
  });
});
