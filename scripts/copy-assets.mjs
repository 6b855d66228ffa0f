// Part of `npm run build`: tsc compiles the .ts files only, so copy the other files the code reads
// at run time (the ledger's Lua scripts) from src/ to the same place under dist/.
import { cpSync, statSync } from 'node:fs';

const ASSET = /\.lua$/;
cpSync('src', 'dist', { recursive: true, filter: (from) => statSync(from).isDirectory() || ASSET.test(from) });
