/**
 * The one zod of this codebase: zod's `zod/mini` API, with English error messages. Import it as
 * `import * as z from '…/zod'` (biome refuses `zod` and `zod/mini` anywhere else).
 *
 * Why mini: its schemas are plain functions (`z.optional(s)`, `s.check(z.minLength(1))`) that a bundler keeps only
 * when used, where the classic API (`s.optional().min(1)`) loads all of itself into every cold start. Measured by
 * `pnpm bench` (bench/RESULTS.md). Why here: mini ships no error messages ("Invalid input" for everything) until a
 * locale is configured, and the 400 problems this API returns name what is wrong with each field. Every schema
 * module imports zod from this file, so no tier can validate before the locale is set.
 */
import { config, meta } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/**
 * With `trim()` before a `minLength(1)`: JSON Schema cannot trim, so the schema clients read (the OpenAPI document,
 * MCP tool schemas) would accept a blank string the server refuses. "Has a non-space character" is the same rule,
 * since `String.prototype.trim` removes exactly what `\s` matches.
 */
export const notBlank = () => meta({ pattern: '\\S' });
