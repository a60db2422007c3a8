// Every remote command the engine runs (Kamal-style: data in, argv out, no I/O), one module per
// job; the engine reads them as one catalogue (`import * as c`).
export * from './adopt.ts';
export * from './app.ts';
export * from './build.ts';
export * from './jvm.ts';
export * from './releases.ts';
export * from './state.ts';
