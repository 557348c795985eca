/// <reference types="vite/client" />
/**
 * The Convex modules every convex-test suite loads: `convexTest({ schema, modules, transactionLimits: true })`.
 * The `_generated` directory among them tells convex-test where the functions root
 * is; type declarations (`*.d.ts`) are not modules and are left out.
 */
export const modules = import.meta.glob(["../functions/**/*.*s", "!../functions/**/*.d.ts"]);
