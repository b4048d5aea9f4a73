import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends the run with the plain line "tests: N passed, N failed, N skipped" that CI reads, beside
 * vitest's own summary.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed += 1;
        else if (state === "failed") failedHere += 1;
        else skipped += 1;
      }
      // A file that failed outside its tests (a hook, an import) counts as one failure.
      failed += mod.state() === "failed" && failedHere === 0 ? 1 : failedHere;
    }
    // Written at exit so it is the run's last line, after vitest's own summary.
    process.once("exit", () => process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`));
  }
}
