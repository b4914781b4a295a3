/**
 * The browser's stand-in for src/utilities/host-files.ts (vite.config.ts
 * aliases it): a page has no file system, so every file is missing.
 */

export function readBinaryFile(path: string): Uint8Array {
  throw new Error(`${path}: no such file (the playground has no files)`);
}

export function readTextFileIfPresent(_path: string): string | undefined {
  return undefined;
}

export function resolveHostPath(path: string): string {
  return path;
}

export function writeTextFile(_path: string, _text: string): void {}

export function appendTextFile(_path: string, _text: string): void {}
