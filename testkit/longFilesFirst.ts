/**
 * The suite's file order: the real-engine files (a minute or more each) start
 * first and the short files fill in around them, so that no long file starts
 * late and runs alone at the end. Otherwise vitest's order (failed first,
 * then longest by its cache).
 */
import { BaseSequencer, TestSpecification } from "vitest/node";

const REAL_ENGINE = /\/test\/engine\/|\.engine\.test\.ts$/;

export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const long = (file: TestSpecification) => REAL_ENGINE.test(file.moduleId);
    return [...sorted.filter(long), ...sorted.filter((file) => !long(file))];
  }
}
