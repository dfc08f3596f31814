// Types of scripts/cli-bundle.mjs for the TypeScript that imports it (the worker launcher).
export const CLI_BUILD_FORMAT: number;
export const CLI_BUILD_DIR: string;
export const CLI_MANIFEST: string;
/** The folder of the current CLI build when every input it was built from is unchanged, else null. */
export function freshCliBuild(root: string): string | null;
