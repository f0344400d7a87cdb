/**
 * Imported first by scripts/plan.ts, before anything else loads: tsx turns
 * source maps on, and Node then scans every module it loads (the SDKs are
 * thousands of files) for a map, a tenth of a fresh plan. The plan reports
 * stack files and keys, not lines of its own code; the program's run turns
 * them off as well (tooling/engine/offlineProgram.ts).
 */
process.setSourceMapsEnabled(false);
