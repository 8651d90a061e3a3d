/**
 * Zod without its compiled (new Function) parsers: the production page's CSP allows no eval
 * (csp.config.ts), and zod's probe for eval is reported as a violation even though it is
 * caught. Imported first by main.tsx, before any schema is built.
 */
import { z } from 'zod';

z.config({ jitless: true });
