/** Loads the known-answer files in test/vectors (copied from ../shared/vectors; see SOURCES.md). */
import { readFileSync } from 'node:fs';

export function vectorPath(name: string): string {
  return new URL(`../vectors/${name}`, import.meta.url).pathname;
}

export function loadVector<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(vectorPath(name), 'utf8')) as T;
}

export function loadVectorText(name: string): string {
  return readFileSync(vectorPath(name), 'utf8');
}
