// A side effect, imported first by load.ts so that it runs before any schema is built: zod decides
// when it builds an object schema whether to compile a validator for it with `new Function`. A CLI
// run parses one config once, so compiling costs more than it saves (docs/cli.md, "Start-up").
import { config } from 'zod';

config({ jitless: true });
